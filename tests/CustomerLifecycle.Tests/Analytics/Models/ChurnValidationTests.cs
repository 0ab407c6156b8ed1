using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class ChurnValidationTests
{
    [Fact]
    public void Auc_is_one_for_a_perfect_ranking_and_zero_for_a_reversed_one()
    {
        bool[] churned = [false, false, true, true];

        Assert.Equal(1, ChurnValidation.Auc([0.1, 0.2, 0.8, 0.9], churned));
        Assert.Equal(0, ChurnValidation.Auc([0.9, 0.8, 0.2, 0.1], churned));
    }

    [Fact]
    public void Auc_counts_ties_between_classes_as_half()
    {
        Assert.Equal(0.5, ChurnValidation.Auc([0.5, 0.5, 0.5, 0.5], [false, true, false, true]));
        Assert.Equal(0.875, ChurnValidation.Auc([0.1, 0.5, 0.5, 0.9], [false, false, true, true]));
    }

    [Fact]
    public void Deciles_rank_customers_by_predicted_risk()
    {
        var scored = Enumerable.Range(0, 100).Select(i => (Risk: i / 100.0, WeeksSinceLastPurchase: (double)i, Churned: i >= 50)).ToList();

        var report = ChurnValidation.Evaluate(scored);

        Assert.Equal(10, report.Deciles.Count);
        Assert.Equal(1, report.Deciles[0].ObservedRate);
        Assert.Equal(0, report.Deciles[^1].ObservedRate);
        Assert.Equal(0.945, report.Deciles[0].MeanPredicted, 12);
        Assert.Equal(1, report.Auc);
        Assert.Equal(0, report.LiftOverRecency);
    }

    [Fact]
    public void No_customers_cannot_be_validated()
    {
        Assert.Throws<ArgumentException>(() => ChurnValidation.Evaluate([]));
    }
}
