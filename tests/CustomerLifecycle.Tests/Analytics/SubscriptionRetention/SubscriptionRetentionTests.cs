using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Analytics.SubscriptionRetention;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Tests.Analytics.Models;

namespace CustomerLifecycle.Tests.Analytics.SubscriptionRetention;

public class SubscriptionRetentionTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    private static SubscriptionHistory Subscription(string startedOn, int renewals, bool cancelled, BillingInterval? interval = BillingInterval.Month, decimal? amount = 10, string currency = "EUR") =>
        new("c", Guid.NewGuid().ToString(), DateTimeOffset.Parse(startedOn + "T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture), "pro", interval, amount, currency, renewals, cancelled);

    [Fact]
    public void A_cohort_counts_survivors_only_for_the_renewals_every_member_has_reached()
    {
        SubscriptionHistory[] subscriptions =
        [
            Subscription("2026-09-01", 2, cancelled: false),
            Subscription("2026-09-30", 1, cancelled: true),
            Subscription("2026-09-15", 0, cancelled: true),
            Subscription("2026-09-20", 0, cancelled: false), // renewals not yet recorded are not a cancellation
            Subscription("2026-10-03", 0, cancelled: false, currency: "USD"),
            Subscription("2026-09-10", 0, cancelled: false, interval: BillingInterval.Year),
            Subscription("2026-09-10", 0, cancelled: false, interval: null),
        ];

        var cohorts = SubscriptionCohorts.Build(subscriptions, BillingInterval.Month, "EUR", AsOf);

        // September's cohort: two whole months from 1 October to 5 December; October's: one.
        Assert.Equal(["2026-09", "2026-10"], cohorts.Select(c => c.Cohort));
        Assert.Equal([4, 3, 2], cohorts[0].Survivors);
        Assert.Equal([1, 1], cohorts[1].Survivors);
        Assert.Equal([10m, 10m, 10m, 10m], cohorts[0].Payments);
        Assert.Empty(cohorts[1].Payments);
    }

    [Theory]
    [InlineData(BillingInterval.Week, 9)]
    [InlineData(BillingInterval.Month, 2)]
    [InlineData(BillingInterval.Quarter, 0)]
    public void Renewals_reached_are_whole_billing_periods(BillingInterval interval, int expected) =>
        Assert.Equal(expected, SubscriptionCohorts.RenewalsReached(new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.Zero), interval, AsOf));

    [Fact]
    public void The_regular_cohort_of_Fader_and_Hardie_gives_the_published_estimates_and_a_curve_through_its_data()
    {
        var cohort = new SubscriptionCohort("1990-01", ShiftedBetaGeometricTests.Regular[..8], [.. Enumerable.Repeat(100m, 1000)]);

        var retention = SubscriptionRetentionModel.Cohort(cohort, 5, 0.1);

        Assert.Null(retention.Problem);
        Assert.Equal(0.704, retention.Fit!.Alpha, 0.0035);
        Assert.Equal(1.182, retention.Fit.Beta, 0.006);
        Assert.Equal(13, retention.Curve.Count);
        Assert.Equal(0.631, retention.Curve[1].Observed!.Value, 12);
        Assert.Null(retention.Curve[8].Observed);
        // The projection of the five unseen years (173 of 1,000 left after 12) within 2 points.
        Assert.Equal(0.173, retention.Curve[12].Survival, 0.02);
        Assert.True(retention.Curve.Skip(2).Zip(retention.Curve.Skip(1)).All(p => p.First.RetentionRate > p.Second.RetentionRate));
    }

    [Fact]
    public void The_lifetime_value_discounts_every_expected_payment_from_the_start()
    {
        var parameters = new SbgParameters(0.704, 1.182);
        double direct = 0;
        for (var t = 0; t < 20_000; t++)
        {
            direct += ShiftedBetaGeometric.Survival(parameters, t) / Math.Pow(1.1, t);
        }

        Assert.Equal(direct, SubscriptionRetentionModel.DiscountedExpectedPayments(parameters, 0.1), 8);
    }

    [Fact]
    public void Cohorts_that_cannot_identify_the_model_say_why_and_have_no_curve()
    {
        var small = SubscriptionRetentionModel.Cohort(new SubscriptionCohort("2026-01", [5, 4, 3], []), 12, 0.01);
        var nobodyLeft = SubscriptionRetentionModel.Cohort(new SubscriptionCohort("2026-02", [50, 50, 50], []), 12, 0.01);
        var tooNew = SubscriptionRetentionModel.Cohort(new SubscriptionCohort("2026-11", [50], []), 12, 0.01);

        Assert.StartsWith("5 subscriber(s); a cohort needs at least 20", small.Problem, StringComparison.Ordinal);
        Assert.StartsWith("nobody has cancelled yet", nobodyLeft.Problem, StringComparison.Ordinal);
        Assert.StartsWith("no renewal reached yet", tooNew.Problem, StringComparison.Ordinal);
        Assert.All([small, nobodyLeft, tooNew], c => Assert.True(c.Fit is null && c.Curve.Count == 0 && c.ExpectedLifetimeValue is null));
        Assert.Equal([5, 4, 3], small.Survivors);
    }

    [Fact]
    public void Bad_query_parameters_are_reported_under_their_names()
    {
        var errors = new SubscriptionRetentionQuery("daily", "", "eur", "has space", new DateOnly(2030, 1, 1), 0, 1).Validate(new DateOnly(2026, 12, 4));

        Assert.Equal(["asOf", "currency", "customerPrefix", "discountRatePerPeriod", "horizonPeriods", "interval", "plan"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Empty(new SubscriptionRetentionQuery("month", "pro", "EUR", "x-", new DateOnly(2026, 12, 4), 12, 0.01).Validate(new DateOnly(2026, 12, 4)));
    }
}
