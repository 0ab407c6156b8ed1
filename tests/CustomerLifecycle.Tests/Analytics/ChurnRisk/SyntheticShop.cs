using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Analytics.ChurnRisk;

/// <summary>
/// A small shop's history up to today, imported and fitted once for the view tests: random buyers (BG/NBD-like:
/// exponential gaps, a dropout chance after each purchase, a spend level per customer) plus two customers whose
/// warning signs the tests look for.
/// </summary>
internal sealed record SyntheticShop(string Prefix, string SnapshotId, int Customers)
{
    /// <summary>Bought every 10 days until 60 days ago: overdue, and at risk by the lifecycle rules.</summary>
    public string Overdue => Prefix + "90001";

    /// <summary>Buys monthly, but has an open serious complaint and just answered NPS 2.</summary>
    public string Unhappy => Prefix + "90002";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static SyntheticShop? shared;

    public static async Task<SyntheticShop> GetAsync(CustomerLifecycleApp app)
    {
        await Gate.WaitAsync();
        try
        {
            return shared ??= await CreateAsync(app);
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task<SyntheticShop> CreateAsync(CustomerLifecycleApp app)
    {
        var prefix = $"shop{Guid.NewGuid():N}-";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var (log, customers) = Log(today, 150, seed: 20261123);
        var import = await ClvFitting.ImportAsync(app.ClientWithKey(TestKeys.Ingest), log, $"source=test-shop&currency=EUR&customerPrefix={prefix}");
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);

        var unhappy = prefix + "90002";
        var batch = await app.ClientWithKey(TestKeys.Ingest).PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Touchpoint("complaint_filed", unhappy, new JsonObject { ["complaintId"] = "k-1", ["severity"] = "high" }, occurredAt: At(today.AddDays(-5))),
            Json.Touchpoint("survey_answered", unhappy, new JsonObject { ["surveyId"] = "nps", ["kind"] = "nps", ["score"] = 2 }, occurredAt: At(today.AddDays(-4)))));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);

        await app.WaitForProjectionsAsync();
        var id = await ClvFitting.FitAsync(app.ClientWithKey(TestKeys.Operate), new JsonObject { ["currency"] = "EUR", ["customerPrefix"] = prefix });
        return new SyntheticShop(prefix, id, customers);
    }

    private static string At(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T12:00:00Z";

    public static (string Log, int Customers) Log(DateOnly today, int randomCustomers, int seed)
    {
        var random = new Random(seed);
        var log = new StringBuilder();
        void Line(int customer, DateOnly day, double dollars) =>
            log.Append(CultureInfo.InvariantCulture, $" {customer:00000} {day:yyyyMMdd} 1 {dollars:0.00}\n");

        for (var customer = 1; customer <= randomCustomers; customer++)
        {
            var gapDays = 15 + (random.NextDouble() * 105);
            var spend = 10 + (random.NextDouble() * 70);
            var day = today.AddDays(-random.Next(200, 700));
            while (day <= today)
            {
                Line(customer, day, spend * (0.5 + random.NextDouble()));
                if (random.NextDouble() < 0.25)
                {
                    break;
                }

                day = day.AddDays(1 + (int)(-gapDays * Math.Log(1 - random.NextDouble())));
            }
        }

        for (var daysAgo = 200; daysAgo >= 60; daysAgo -= 10)
        {
            Line(90001, today.AddDays(-daysAgo), 40);
        }

        for (var daysAgo = 300; daysAgo >= 10; daysAgo -= 30)
        {
            Line(90002, today.AddDays(-daysAgo), 55);
        }

        return (log.ToString(), randomCustomers + 2);
    }
}
