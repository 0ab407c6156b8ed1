using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Analytics.SubscriptionRetention;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Analytics.SubscriptionRetention;

/// <summary>Subscription cohorts drawn from the sBG process, sent as subscription_* touchpoints, read back as retention curves.</summary>
[Collection(AppFixtureGroup.Name)]
public class SubscriptionRetentionHttpTests(CustomerLifecycleApp app)
{
    private const double Alpha = 0.7, Beta = 1.2;
    private readonly HttpClient read = app.ClientWithKey(TestKeys.Read);

    private static string At(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Monthly subscribers who each cancel at a renewal with their own θ ~ Beta(α, β), cancelling the day before the renewal they skip.</summary>
    private static IEnumerable<JsonObject> Cohort(string prefix, string name, DateTimeOffset monthStart, int subscribers, DateTimeOffset now, Random random, string interval = "month")
    {
        for (var i = 0; i < subscribers; i++)
        {
            var customer = $"{prefix}{name}-{i}";
            var subscription = $"s-{name}-{i}";
            var start = monthStart.AddDays(random.Next(0, 27)).AddHours(9);
            var theta = MathNet.Numerics.Distributions.Beta.Sample(random, Alpha, Beta);
            yield return Json.Touchpoint("subscription_started", customer,
                new JsonObject { ["subscriptionId"] = subscription, ["plan"] = "pro", ["amount"] = 10m, ["currency"] = "EUR", ["interval"] = interval }, occurredAt: At(start));
            for (var n = 1; ; n++)
            {
                var renewal = interval == "month" ? start.AddMonths(n) : start.AddYears(n);
                if (random.NextDouble() < theta)
                {
                    if (renewal.AddDays(-1) <= now)
                    {
                        yield return Json.Touchpoint("subscription_cancelled", customer, new JsonObject { ["subscriptionId"] = subscription }, occurredAt: At(renewal.AddDays(-1)));
                    }

                    break;
                }

                if (renewal > now)
                {
                    break;
                }

                yield return Json.Touchpoint("subscription_renewed", customer, new JsonObject { ["subscriptionId"] = subscription, ["amount"] = 10m, ["currency"] = "EUR" }, occurredAt: At(renewal));
            }
        }
    }

    [Fact]
    public async Task Cohorts_of_the_store_get_sbg_fits_that_recover_the_drawn_parameters_retention_curves_and_lifetime_values()
    {
        var prefix = $"subs{Guid.NewGuid():N}-";
        var now = DateTimeOffset.UtcNow;
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(20261204);
        var touchpoints = Cohort(prefix, "a", thisMonth.AddMonths(-13), 600, now, random)
            .Concat(Cohort(prefix, "b", thisMonth.AddMonths(-7), 500, now, random))
            .Concat(Cohort(prefix, "c", thisMonth.AddMonths(-5), 8, now, random))
            .Concat(Cohort(prefix, "y", thisMonth.AddMonths(-30), 30, now, random, interval: "year"))
            .ToList();
        foreach (var batch in touchpoints.Chunk(4_000))
        {
            var response = await app.ClientWithKey(TestKeys.Ingest).PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(batch));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var report = (await read.GetFromJsonAsync<JsonObject>($"{GetSubscriptionRetention.Route}?customerPrefix={prefix}&plan=pro&currency=EUR&horizonPeriods=6&discountRatePerPeriod=0.01"))!;

        Assert.Equal(("month", 1108, 30), ((string)report["interval"]!, (int)report["subscriptions"]!, (int)report["otherIntervals"]!));
        var cohorts = report["cohorts"]!.AsArray();
        Assert.Equal([thisMonth.AddMonths(-13), thisMonth.AddMonths(-7), thisMonth.AddMonths(-5)], cohorts.Select(c => DateTimeOffset.Parse((string)c!["cohort"]! + "-01T00:00:00Z", CultureInfo.InvariantCulture)));
        Assert.Equal([600, 500, 8], cohorts.Select(c => (int)c!["subscribers"]!));
        Assert.Equal([13, 7, 5], cohorts.Select(c => c!["survivors"]!.AsArray().Count));
        Assert.StartsWith("8 subscriber(s)", (string)cohorts[2]!["problem"]!, StringComparison.Ordinal);

        var all = report["all"]!;
        var fit = all["fit"]!;
        var (alpha, beta) = ((double)fit["alpha"]!, (double)fit["beta"]!);
        Assert.InRange(alpha, Alpha - (3 * (double)fit["alphaStandardError"]!), Alpha + (3 * (double)fit["alphaStandardError"]!));
        Assert.InRange(beta, Beta - (3 * (double)fit["betaStandardError"]!), Beta + (3 * (double)fit["betaStandardError"]!));
        Assert.Equal(13 + 6, all["curve"]!.AsArray().Count);
        var parameters = new SbgParameters(alpha, beta);
        Assert.Equal(10 * SubscriptionRetentionModel.DiscountedExpectedPayments(parameters, 0.01), (double)all["expectedLifetimeValue"]!, 9);
        Assert.Equal(10m, (decimal)all["meanPayment"]!);

        var first = cohorts[0]!;
        var survivors = first["survivors"]!.AsArray().Select(s => (int)s!).ToArray();
        var curve = first["curve"]!.AsArray();
        Assert.Equal(survivors[12] / 600.0, (double)curve[12]!["observed"]!, 12);
        Assert.Null(curve[13]!["observed"]);
        Assert.InRange((double)curve[12]!["survival"]!, (survivors[12] / 600.0) - 0.06, (survivors[12] / 600.0) + 0.06);
    }

    [Fact]
    public async Task A_scope_without_subscriptions_answers_with_no_cohorts_and_says_why()
    {
        var report = (await read.GetFromJsonAsync<JsonObject>($"{GetSubscriptionRetention.Route}?customerPrefix=nobody{Guid.NewGuid():N}-"))!;

        Assert.Empty(report["cohorts"]!.AsArray());
        Assert.Equal("no subscription with this billing interval in this scope", (string)report["all"]!["problem"]!);
    }

    [Fact]
    public async Task Bad_parameters_are_400_naming_each_and_reading_needs_the_read_scope()
    {
        var response = await read.GetAsync($"{GetSubscriptionRetention.Route}?interval=daily&horizonPeriods=0&discountRatePerPeriod=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["discountRatePerPeriod", "horizonPeriods", "interval"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(TestKeys.Ingest).GetAsync(GetSubscriptionRetention.Route)).StatusCode);
    }
}
