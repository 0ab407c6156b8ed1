using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Tests.Analytics.Clv;

public class FitChecksTests
{
    // CDNOW sample: BG/NBD (FHL 2005), MBG/NBD (Batislam et al. 2007), Gamma-Gamma (Fader & Hardie 2013).
    private static readonly TransactionModelFit Bgnbd = new(0.243, 4.414, 0.793, 2.426, -9582.4, 30, true);
    private static readonly ChurnModelFit Mbgnbd = new(0.525, 6.183, 0.891, 1.614, -9590, 30, true, 39, ChurnProbabilityModel.Signals, [0, 1, 0, 0, 0, 0, 0], true);
    private static readonly SpendModelFit Spend = new(6.25, 3.74, 15.44, -4000, 20, true, 946);

    private static IReadOnlyList<string> Codes(IEnumerable<FitProblem> problems) => [.. problems.Select(p => p.Code)];

    [Fact]
    public void A_sound_fit_of_enough_customers_has_no_problems_and_is_completed()
    {
        var problems = FitChecks.Models(2357, 946, Bgnbd, Mbgnbd, Spend);

        Assert.Empty(problems);
        Assert.Equal(FitStatus.Completed, FitChecks.StatusOf(problems));
    }

    [Fact]
    public void One_customer_with_six_purchases_identifies_nothing_and_fails()
    {
        // What such a log produced: 0 iterations, r = 5.2e6, and a served P(alive) of 0.0038.
        var problems = FitChecks.Models(1, 1, Bgnbd with { R = 5.2e6, Iterations = 0, Converged = false }, Mbgnbd, Spend);

        Assert.Equal(FitStatus.Failed, FitChecks.StatusOf(problems));
        Assert.Equal(
            [FitProblemCodes.TooFewCustomers, FitProblemCodes.TooFewRepeatCustomers, FitProblemCodes.NotConverged, FitProblemCodes.OnParameterBound],
            Codes(problems));
        Assert.Contains("r/alpha = 1.18E+06 a week", problems[^1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_converged_fit_at_the_edge_of_the_parameter_space_fails_naming_the_parameters()
    {
        var problems = FitChecks.Models(5000, 800, Bgnbd, Mbgnbd with { R = 1e-7, Alpha = 2e9 }, Spend);

        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Equal((FitProblemCodes.OnParameterBound, FitProblemSeverity.Fails), (p.Code, p.Severity)));
        Assert.Contains("MBG/NBD", problems[0].Detail, StringComparison.Ordinal);
        Assert.Contains("r = 1E-07", problems[0].Detail, StringComparison.Ordinal);
        Assert.Contains("r/alpha = 5E-17 a week", problems[1].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Customers_all_alike_are_a_limit_of_the_model_not_an_edge()
    {
        // One dropout chance for everybody (a, b → ∞ with a/(a + b) = 0.19), as a shop with a constant 25 % dropout gives.
        Assert.Empty(FitChecks.Models(150, 120, Bgnbd with { A = 4.94e6, B = 2.13e7 }, Mbgnbd with { R = 3e6, Alpha = 3e7 }, Spend));
    }

    [Fact]
    public void A_doubtful_spend_model_or_unlearned_churn_weights_degrade_the_fit_without_failing_it()
    {
        var problems = FitChecks.Models(5000, 800, Bgnbd, Mbgnbd with { WeightsLearned = false }, Spend with { Converged = false });

        Assert.Equal([FitProblemCodes.NotConverged, FitProblemCodes.ChurnWeightsNotLearned], Codes(problems));
        Assert.All(problems, p => Assert.Equal(FitProblemSeverity.Degrades, p.Severity));
        Assert.Equal(FitStatus.Degraded, FitChecks.StatusOf(problems));
    }

    [Fact]
    public void A_holdout_far_from_the_prediction_or_a_churn_risk_no_better_than_recency_degrades_the_fit()
    {
        var purchases = new HoldoutCheck(new DateOnly(1998, 6, 30), 39, 1359.9, 1882, []);
        var good = new ChurnValidationReport(2357, 0.7, 0.78, 0.76, []);

        Assert.Empty(FitChecks.Holdout(purchases, good));
        Assert.Equal([FitProblemCodes.HoldoutPurchasesOff], Codes(FitChecks.Holdout(purchases with { TotalPredicted = 500 }, good)));
        Assert.Equal([FitProblemCodes.ChurnRiskFailsHoldout], Codes(FitChecks.Holdout(purchases, good with { Auc = 0.70 })));
        Assert.Equal([FitProblemCodes.ChurnRiskFailsHoldout], Codes(FitChecks.Holdout(purchases, good with { Auc = 0.55, RecencyAuc = 0.5 })));
        Assert.Equal([FitProblemCodes.HoldoutNotValidated], Codes(FitChecks.Holdout(purchases, null)));
        Assert.Empty(FitChecks.Holdout(null, null));
    }
}
