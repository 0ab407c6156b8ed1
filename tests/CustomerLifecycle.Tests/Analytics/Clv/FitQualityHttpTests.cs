using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerLifecycle.Tests.Analytics.Clv;

/// <summary>Fits that cannot be trusted are refused or flagged with their reasons, and never served as the latest.</summary>
[Collection(AppFixtureGroup.Name)]
public class FitQualityHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient operate = app.ClientWithKey(TestKeys.Operate);
    private readonly HttpClient read = app.ClientWithKey(TestKeys.Read);

    private static IEnumerable<string> Codes(JsonNode? problems) => problems!.AsArray().Select(p => (string)p!["code"]!);

    [Fact]
    public async Task A_fit_of_one_customer_with_six_purchases_is_refused_with_its_reasons_and_values_nobody()
    {
        var prefix = $"lonely{Guid.NewGuid():N}-";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var log = new StringBuilder();
        foreach (var daysAgo in new[] { 300, 250, 200, 150, 100, 50 })
        {
            log.Append(CultureInfo.InvariantCulture, $" 00001 {today.AddDays(-daysAgo):yyyyMMdd} 1 25.00\n");
        }

        Assert.Equal(HttpStatusCode.OK, (await ClvFitting.ImportAsync(app.ClientWithKey(TestKeys.Ingest), log.ToString(), $"source=lonely&currency=EUR&customerPrefix={prefix}")).StatusCode);
        await app.WaitForProjectionsAsync();
        var response = await operate.PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject { ["currency"] = "EUR", ["customerPrefix"] = prefix });
        var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        var status = await ClvFitting.WaitAsync(operate, id, TimeSpan.FromMinutes(2));

        Assert.Equal("failed", (string)status["status"]!);
        Assert.Contains(FitProblemCodes.TooFewCustomers, Codes(status["problems"]));
        Assert.Contains(FitProblemCodes.TooFewRepeatCustomers, Codes(status["problems"]));
        Assert.All(status["problems"]!.AsArray(), p => Assert.False(string.IsNullOrWhiteSpace((string)p!["detail"]!)));
        Assert.Contains("1 customer(s) in the calibration window", (string)status["error"]!, StringComparison.Ordinal);
        var snapshot = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/snapshots/{id}"))!;
        Assert.Equal((1, 1), ((int)snapshot["outcome"]!["customers"]!, (int)snapshot["outcome"]!["repeatCustomers"]!));
        Assert.Null(snapshot["outcome"]!["totals"]);

        var ranking = await read.GetAsync($"/api/analytics/churn-risk?snapshotId={id}");
        Assert.Equal(HttpStatusCode.Conflict, ranking.StatusCode);
        var problem = (await ranking.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("too_few_customers", Codes(problem["problems"]));
        Assert.Contains("at least 30", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await read.GetAsync($"/api/customers/{prefix}00001/value")).StatusCode);
    }

    [Fact]
    public async Task A_fit_of_one_time_buyers_only_is_refused_because_nothing_shows_how_often_anyone_buys_again()
    {
        var prefix = $"once{Guid.NewGuid():N}-";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var log = new StringBuilder();
        for (var customer = 1; customer <= 60; customer++)
        {
            log.Append(CultureInfo.InvariantCulture, $" {customer:00000} {today.AddDays(-3 * customer):yyyyMMdd} 1 19.99\n");
        }

        Assert.Equal(HttpStatusCode.OK, (await ClvFitting.ImportAsync(app.ClientWithKey(TestKeys.Ingest), log.ToString(), $"source=once&currency=EUR&customerPrefix={prefix}")).StatusCode);
        await app.WaitForProjectionsAsync();
        var response = await operate.PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject { ["currency"] = "EUR", ["customerPrefix"] = prefix });
        var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;

        var status = await ClvFitting.WaitAsync(operate, id, TimeSpan.FromMinutes(2));

        Assert.Equal("failed", (string)status["status"]!);
        Assert.Contains(FitProblemCodes.TooFewRepeatCustomers, Codes(status["problems"]));
        Assert.DoesNotContain(FitProblemCodes.TooFewCustomers, Codes(status["problems"]));
        Assert.Contains("0 customer(s) bought more than once", (string)status["error"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await read.GetAsync($"/api/customers/{prefix}00001/value")).StatusCode);
    }

    [Fact]
    public async Task A_degraded_snapshot_is_read_only_by_its_id_and_says_so_with_every_answer_and_is_never_the_latest()
    {
        var prefix = $"degraded{Guid.NewGuid():N}-";
        var problems = new[] { new FitProblem(FitProblemCodes.HoldoutPurchasesOff, FitProblemSeverity.Degrades, "predicted 10, actual 40") };
        var id = await StoreSnapshotAsync(FitStatus.Degraded, problems, fullScope: true,
            [Row(prefix + "a", clv: 100, risk: 0.5), Row(prefix + "b", clv: null, risk: 0.9)]);

        var ranking = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk?snapshotId={id}"))!;
        var segments = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk/segments?snapshotId={id}"))!;
        var value = (await read.GetFromJsonAsync<JsonObject>($"/api/customers/{prefix}a/value"))!;
        var latest = await read.GetAsync("/api/analytics/churn-risk");
        var csv = await read.GetAsync($"/api/analytics/churn-risk?snapshotId={id}&format=csv");

        Assert.Equal(("degraded", "holdout_purchases_off"), ((string)ranking["snapshotStatus"]!, Codes(ranking["snapshotProblems"]).Single()));
        Assert.Equal("degraded", (string)segments["snapshotStatus"]!);
        Assert.Equal(("degraded", "holdout_purchases_off"), (csv.Headers.GetValues("Snapshot-Status").Single(), csv.Headers.GetValues("Snapshot-Problems").Single()));
        Assert.Equal(("degraded", "holdout_purchases_off"), ((string)value["current"]!["snapshotStatus"]!, (string)value["current"]!["snapshotProblems"]![0]!));
        Assert.True(latest.StatusCode == HttpStatusCode.NotFound || (string)(await latest.Content.ReadFromJsonAsync<JsonObject>())!["snapshotId"]! != id.ToString());
    }

    [Fact]
    public async Task Sorting_by_value_at_risk_puts_customers_without_one_last_and_totals_count_whom_they_leave_out()
    {
        var prefix = $"nulls{Guid.NewGuid():N}-";
        var id = await StoreSnapshotAsync(FitStatus.Completed, [], fullScope: false,
            [Row(prefix + "a", clv: null, risk: 0.99), Row(prefix + "b", clv: 100, risk: 0.5), Row(prefix + "c", clv: 10, risk: 0.2), Row(prefix + "d", clv: null, risk: 0.1)]);

        var byValue = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk?snapshotId={id}&sort=valueAtRisk"))!;
        var csv = await read.GetStringAsync($"/api/analytics/churn-risk?snapshotId={id}&sort=valueAtRisk&format=csv");
        var segments = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk/segments?snapshotId={id}"))!;

        Assert.Equal(["b", "c", "a", "d"], byValue["customers"]!.AsArray().Select(c => ((string)c!["customerId"]!)[prefix.Length..]));
        Assert.Equal(["b", "c", "a", "d"], csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0][prefix.Length..]));
        var segment = segments["segments"]!.AsArray().Single()!["risk"]!;
        Assert.Equal((4, 2, 100 * 0.5 + 10 * 0.2), ((int)segment["customers"]!, (int)segment["customersWithoutClv"]!, (double)segment["totalValueAtRisk"]!));
    }

    private static CustomerValue Row(string customerId, double? clv, double risk) => new(
        customerId, 1, 5, 10, 20, 0.5, 1, clv is null ? null : 20, clv, null, 40m, 40m,
        new RfmScore(customerId, 3, 3, 3, RfmSegment.NeedAttention), new ChurnAssessment(risk, 0, 39, []), null);

    private async Task<Guid> StoreSnapshotAsync(FitStatus status, IReadOnlyList<FitProblem> problems, bool fullScope, IReadOnlyList<CustomerValue> rows)
    {
        var settings = new ClvFitSettings("EUR", null, null, new DateOnly(2025, 1, 1), new DateOnly(2025, 12, 31), null, 12, 52.0 / 12, 0.01, 1, new ChurnSignalWeights());
        var (snapshot, _) = ClvFits.Queued(settings, "test", DateTimeOffset.UtcNow);
        snapshot = snapshot with
        {
            Status = status,
            FullScope = fullScope,
            CompletedAt = DateTimeOffset.UtcNow.AddYears(10),
            Problems = problems,
            Outcome = new ClvFitOutcome(
                rows.Count, rows.Count, rows.Count, 0, 0, 0,
                new TransactionModelFit(0.243, 4.414, 0.793, 2.426, -100, 10, true),
                new SpendModelFit(6.25, 3.74, 15.44, -50, 10, true, rows.Count),
                new ChurnModelFit(0.525, 6.183, 0.891, 1.614, -100, 10, true, 39, ChurnProbabilityModel.Signals, [0, 1, 0, 0, 0, 0, 0], false),
                null, null, null),
        };
        await using (var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Store(snapshot);
            await session.SaveChangesAsync();
        }

        await using var connection = await app.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        await ClvResults.WriteAsync(connection, snapshot.Id, rows, CancellationToken.None);
        return snapshot.Id;
    }
}
