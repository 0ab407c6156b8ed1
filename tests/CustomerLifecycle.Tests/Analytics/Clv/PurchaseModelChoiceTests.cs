using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Tests.Analytics.Models;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Analytics.Clv;

public class PurchaseModelChoiceTests(ITestOutputHelper output)
{
    private static readonly DateOnly Today = new(2026, 11, 23);

    private static PurchaseModelCandidate Candidate(string model, double meanAbsoluteError, double auc = 0.8, bool converged = true, double r = 0.5) =>
        new(model, [new("r", r, null), new("alpha", 5, null), new(model == PurchaseModelNames.ParetoNbd ? "s" : "a", 0.8, null), new(model == PurchaseModelNames.ParetoNbd ? "beta" : "b", 2, null)],
            -1000, 20, converged, new PurchaseModelHoldoutScore(100, meanAbsoluteError, 50, 60, auc),
            converged ? [] : ["did not converge"]);

    [Fact]
    public void Best_is_the_candidate_with_the_smallest_holdout_error_and_the_reason_lists_every_score()
    {
        var choice = PurchaseModelChoosing.Choose(PurchaseModelNames.Best,
            [Candidate("bgnbd", 0.62), Candidate("mbgnbd", 0.58), Candidate("paretonbd", 0.60)]);

        Assert.Equal(("mbgnbd", "best", PurchaseModelChoosing.Criterion), (choice.Model, choice.Requested, choice.Criterion));
        Assert.Equal("mbgnbd predicts the holdout's repeat purchases per customer best: mean absolute error mbgnbd 0.5800 (AUC 0.800), paretonbd 0.6000 (AUC 0.800), bgnbd 0.6200 (AUC 0.800)", choice.Reason);
        Assert.Equal(3, choice.Candidates.Count);
    }

    [Fact]
    public void A_candidate_whose_fit_is_not_trusted_is_passed_over_however_well_it_scores()
    {
        var choice = PurchaseModelChoosing.Choose(PurchaseModelNames.Best,
            [Candidate("bgnbd", 0.62), Candidate("mbgnbd", 0.10, converged: false), Candidate("paretonbd", 0.60)]);

        Assert.Equal("paretonbd", choice.Model);
        Assert.Contains("mbgnbd 0.1000 (AUC 0.800, not trusted)", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_named_model_is_used_as_named()
    {
        var choice = PurchaseModelChoosing.Choose(PurchaseModelNames.ParetoNbd, [Candidate("paretonbd", 0.7)]);

        Assert.Equal(("paretonbd", "paretonbd", (string?)null), (choice.Model, choice.Requested, choice.Criterion));
        Assert.StartsWith("paretonbd was asked for", choice.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_candidate_on_the_edge_of_the_parameter_space_carries_the_problem()
    {
        var fit = new ModelFitResult<MbgNbdParameters>(new MbgNbdParameters(1e-7, 2e9, 1, 1), -10, 5, true);

        var candidate = PurchaseModelCandidate.Of(new MbgNbdPurchases(fit.Parameters), fit, null);

        Assert.Contains(candidate.Problems, p => p.Contains("MBG/NBD estimate ran to the edge", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("weibull", "must be one of bgnbd, mbgnbd, paretonbd, best")]
    [InlineData("best", "best chooses the model that predicts the holdout best, so it needs holdoutEnd")]
    public void A_bad_model_is_reported_under_model(string model, string message)
    {
        var (settings, errors) = new ClvFitRequest(Model: model, CalibrationEnd: Today.AddDays(-100)).Resolve(new ClvDefaults(), new ChurnSignalWeights(), Today);

        Assert.Null(settings);
        Assert.Equal(["model"], errors.Keys);
        Assert.Equal([message], errors["model"]);
    }

    [Fact]
    public void The_model_defaults_to_the_configured_one_and_a_default_of_best_is_refused_at_start()
    {
        var defaults = new ClvDefaults { Model = PurchaseModelNames.MbgNbd };

        Assert.Equal("mbgnbd", new ClvFitRequest().Resolve(defaults, new ChurnSignalWeights(), Today).Settings!.Model);
        Assert.Equal("bgnbd", new ClvDefaults().Model);
        Assert.Contains("Analytics:Clv:Model must be one of bgnbd, mbgnbd, paretonbd (got best)", new ClvDefaults { Model = "best" }.Problems());
    }

    [Fact]
    public void On_the_CDNOW_sample_every_model_is_scored_on_the_holdout_and_best_chooses_the_smallest_error()
    {
        var calibration = CdnowData.SampleCalibrationSummary();
        var holdout = PurchaseSummary.CountHoldoutTransactions(CdnowData.Sample.Select(t => t.ToTransaction()), CdnowData.Calibration, CdnowData.HoldoutEnd);
        var summaries = calibration.Select(c => c.Summary).ToArray();
        var bgnbd = BgNbd.Fit(summaries);
        var mbgnbd = MbgNbd.Fit(summaries);
        var paretonbd = ParetoNbd.Fit(summaries);
        PurchaseModelHoldoutScore Score(PurchaseModel model) => PurchaseModelHoldout.Score(model, calibration, holdout, CdnowData.HoldoutWeeks);
        PurchaseModel[] models = [new BgNbdPurchases(bgnbd.Parameters), new MbgNbdPurchases(mbgnbd.Parameters), new ParetoNbdPurchases(paretonbd.Parameters)];
        List<PurchaseModelCandidate> candidates =
        [
            PurchaseModelCandidate.Of(models[0], bgnbd, Score(models[0])),
            PurchaseModelCandidate.Of(models[1], mbgnbd, Score(models[1])),
            PurchaseModelCandidate.Of(models[2], paretonbd, Score(models[2])),
        ];

        var choice = PurchaseModelChoosing.Choose(PurchaseModelNames.Best, candidates);

        foreach (var c in candidates)
        {
            output.WriteLine($"{c.Model}: MAE {c.Holdout!.MeanAbsoluteError:0.0000}, predicted {c.Holdout.TotalPredicted:0.0} of {c.Holdout.TotalActual}, AUC {c.Holdout.Auc:0.0000}, ln L {c.LogLikelihood:0.00}");
        }

        output.WriteLine(choice.Reason);
        Assert.All(candidates, c => Assert.Equal((2357, 1882), (c.Holdout!.Customers, c.Holdout.TotalActual)));
        Assert.All(candidates, c => Assert.Empty(c.Problems));
        Assert.All(candidates, c => Assert.InRange(c.Holdout!.Auc, 0.7, 0.9));
        Assert.Equal(candidates.MinBy(c => c.Holdout!.MeanAbsoluteError)!.Model, choice.Model);
        Assert.Equal("paretonbd", choice.Model);
        Assert.Equal(1653.4, candidates[0].Holdout!.TotalPredicted, 0.1);
    }
}
