using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class PurchaseSummaryTests
{
    private static readonly SummaryPeriod Period = new(new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 29));

    private static readonly Transaction[] Log =
    [
        new("ann", new DateOnly(2024, 1, 1), 10),
        new("ann", new DateOnly(2024, 1, 1), 5),
        new("ann", new DateOnly(2024, 1, 8), 20),
        new("ann", new DateOnly(2024, 1, 8), 4),
        new("ann", new DateOnly(2024, 1, 22), 30),
        new("ann", new DateOnly(2024, 2, 5), 99),
        new("ann", new DateOnly(2024, 2, 5), 1),
        new("bob", new DateOnly(2024, 1, 15), 12),
        new("cat", new DateOnly(2023, 12, 20), 50),
        new("cat", new DateOnly(2024, 1, 3), 8),
        new("dan", new DateOnly(2024, 2, 2), 70),
    ];

    [Fact]
    public void Same_day_purchases_are_one_transaction_with_the_amounts_added()
    {
        var ann = PurchaseSummary.Build(Log, Period).Single(c => c.CustomerId == "ann");

        // Purchase days 1, 8 and 22 January: two repeat transactions worth 24 and 30.
        Assert.Equal(2, ann.Frequency);
        Assert.Equal(3, ann.Recency, 12);
        Assert.Equal(4, ann.T, 12);
        Assert.Equal(27, ann.MonetaryValue, 12);
    }

    [Fact]
    public void Only_customers_acquired_in_the_calibration_window_are_summarised_in_id_order()
    {
        var summaries = PurchaseSummary.Build(Log, Period);

        Assert.Equal(["ann", "bob", "cat"], summaries.Select(c => c.CustomerId));
        var bob = summaries[1];
        Assert.Equal(new CustomerSummary(0, 0, 2), bob.Summary);
        Assert.Equal(0, bob.MonetaryValue);
        Assert.Null(bob.Spend);
        // cat's December purchase is before the observation start, so 3 January is the acquisition.
        Assert.Equal(new CustomerSummary(0, 0, 26 / 7.0), summaries[2].Summary);
    }

    [Fact]
    public void Time_unit_is_configurable()
    {
        var inDays = Period with { DaysPerTimeUnit = 1 };

        var ann = PurchaseSummary.Build(Log, inDays).Single(c => c.CustomerId == "ann");

        Assert.Equal(new CustomerSummary(2, 21, 28), ann.Summary);
    }

    [Fact]
    public void Holdout_counts_purchase_days_after_calibration_for_calibration_customers_only()
    {
        var counts = PurchaseSummary.CountHoldoutTransactions(Log, Period, new DateOnly(2024, 2, 29));

        Assert.Equal(1, counts["ann"]);
        Assert.Equal(0, counts["bob"]);
        Assert.Equal(0, counts["cat"]);
        Assert.False(counts.ContainsKey("dan"));
    }

    [Fact]
    public void Holdout_comparison_buckets_by_calibration_frequency_with_an_open_top_bucket()
    {
        var parameters = new BgNbdParameters(0.243, 4.414, 0.793, 2.426);
        CustomerPurchaseSummary[] calibration =
        [
            new("a", 0, 0, 30, 0), new("b", 0, 0, 20, 0), new("c", 8, 25, 30, 10), new("d", 12, 28, 30, 10),
        ];
        var actual = new Dictionary<string, int> { ["a"] = 1, ["c"] = 5, ["d"] = 9 };

        var comparison = HoldoutValidation.ByCalibrationFrequency(parameters, calibration, actual, 39);

        Assert.Equal(["0", "7+"], comparison.Buckets.Select(b => b.Label));
        Assert.Equal(0.5, comparison.Buckets[0].MeanActual);
        Assert.Equal(7, comparison.Buckets[1].MeanActual);
        var predictedOpen = (BgNbd.ConditionalExpectedTransactions(parameters, new(8, 25, 30), 39)
            + BgNbd.ConditionalExpectedTransactions(parameters, new(12, 28, 30), 39)) / 2;
        Assert.Equal(predictedOpen, comparison.Buckets[1].MeanPredicted, 12);
        Assert.Equal(15, comparison.TotalActual);
    }
}
