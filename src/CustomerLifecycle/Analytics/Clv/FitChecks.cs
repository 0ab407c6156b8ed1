using System.Globalization;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>What a problem does to a fit: a degraded fit is kept but never served as the latest; a failed one is not served at all.</summary>
public enum FitProblemSeverity { Degrades, Fails }

/// <summary>One reason a fit is not to be trusted, with a stable code (docs/analytics.md lists them) and the evidence in words.</summary>
public sealed record FitProblem(string Code, FitProblemSeverity Severity, string Detail);

/// <summary>Stable codes of <see cref="FitProblem"/>.</summary>
public static class FitProblemCodes
{
    public const string TooFewCustomers = "too_few_customers";
    public const string TooFewRepeatCustomers = "too_few_repeat_customers";
    public const string NotConverged = "not_converged";
    public const string OnParameterBound = "on_parameter_bound";
    public const string ChurnWeightsNotLearned = "churn_weights_not_learned";
    public const string HoldoutPurchasesOff = "holdout_purchases_off";
    public const string ChurnRiskFailsHoldout = "churn_risk_fails_holdout";
    public const string HoldoutNotValidated = "holdout_not_validated";
}

/// <summary>
/// Judges a fit before anyone reads it. Pure, so every threshold is testable without a database. A model with four
/// parameters is not identified by a handful of customers, an optimiser that stopped short or ran to the edge of the
/// parameter space has no answer to give, and a fit that cannot predict its own holdout should not drive decisions.
/// </summary>
public static class FitChecks
{
    /// <summary>Fewer customers than this cannot identify four parameters: the fit fails.</summary>
    public const int MinCustomers = 30;

    /// <summary>Fewer customers with a repeat purchase than this leave the purchase rate and the dropout unidentified: the fit fails.</summary>
    public const int MinRepeatCustomers = 10;

    /// <summary>
    /// A shape parameter (r, a, b, p, q) below this has run off to the edge of the space (r → 1e-7 puts every
    /// customer's purchase rate at 0 but a few), not found a population: CDNOW's are between 0.2 and 7. Shapes running
    /// to infinity are not a problem when the mean stays put: that is the limit of customers all alike (one purchase
    /// rate, one dropout chance for everybody), a simpler model the data may well follow.
    /// </summary>
    public const double SmallestShape = 1e-4;

    /// <summary>Mean purchases per week (r/α) outside this range are not a population of buyers: α → 2e9 with r ≈ 1 is one purchase in 40 million years.</summary>
    public const double SmallestMeanRate = 1e-6;

    public const double LargestMeanRate = 1e3;

    /// <summary>The holdout's actual purchases may differ from the predicted total by this share before the fit is degraded.</summary>
    public const double HoldoutTolerance = 0.5;

    /// <summary>A churn risk whose holdout AUC is below this ranks barely better than chance: the fit is degraded.</summary>
    public const double MinChurnAuc = 0.6;

    /// <summary>Problems found by the inputs and the fitted models alone; any that fail mean no customer is valued.</summary>
    public static IReadOnlyList<FitProblem> Models(
        int customers, int repeatCustomers, TransactionModelFit transactions, ChurnModelFit churn, SpendModelFit? spend)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var t = transactions;
        var bgnbd = new PurchaseModelCandidate(
            PurchaseModelNames.BgNbd, [new("r", t.R, null), new("alpha", t.Alpha, null), new("a", t.A, null), new("b", t.B, null)], t.LogLikelihood, t.Iterations, t.Converged, null, []);
        return Models(customers, repeatCustomers, bgnbd, churn, spend);
    }

    /// <summary>As above, with the snapshot's purchase model, whichever of the family it is.</summary>
    public static IReadOnlyList<FitProblem> Models(
        int customers, int repeatCustomers, PurchaseModelCandidate purchases, ChurnModelFit churn, SpendModelFit? spend)
    {
        ArgumentNullException.ThrowIfNull(purchases);
        ArgumentNullException.ThrowIfNull(churn);
        var problems = new List<FitProblem>();
        if (customers < MinCustomers)
        {
            problems.Add(Fails(FitProblemCodes.TooFewCustomers, $"{customers} customer(s) in the calibration window; the models need at least {MinCustomers} to be identified"));
        }

        if (repeatCustomers < MinRepeatCustomers)
        {
            problems.Add(Fails(FitProblemCodes.TooFewRepeatCustomers, $"{repeatCustomers} customer(s) bought more than once in the calibration window; the models need at least {MinRepeatCustomers}"));
        }

        problems.AddRange(PurchaseModel(purchases, FitProblemSeverity.Fails));
        Check(problems, "MBG/NBD", FitProblemSeverity.Fails, churn.Converged, churn.Iterations, churn.R / churn.Alpha,
            ("r", churn.R), ("a", churn.A), ("b", churn.B));
        if (spend is not null)
        {
            // Without a trustworthy spend model CLV is doubtful, but P(alive) and the churn risk stand.
            Check(problems, "Gamma-Gamma", FitProblemSeverity.Degrades, spend.Converged, spend.Iterations, null, ("p", spend.P), ("q", spend.Q));
        }

        if (!churn.WeightsLearned)
        {
            problems.Add(Degrades(FitProblemCodes.ChurnWeightsNotLearned,
                "the history is too short, or everybody (or nobody) bought in its last weeks, to learn the churn signals' weights; the churn risk is MBG/NBD's own"));
        }

        return problems;
    }

    /// <summary>
    /// A purchase model's fit that did not converge or ran to the edge of the parameter space. The shapes checked are
    /// r and the dropout's a, b (BG/NBD, MBG/NBD) or s (Pareto/NBD); α and β are scales.
    /// </summary>
    public static IReadOnlyList<FitProblem> PurchaseModel(PurchaseModelCandidate model, FitProblemSeverity severity)
    {
        ArgumentNullException.ThrowIfNull(model);
        var problems = new List<FitProblem>();
        var shapes = model.Parameters.Where(p => p.Name is not ("alpha" or "beta")).Select(p => (p.Name, p.Value)).ToArray();
        Check(problems, DisplayName(model.Model), severity, model.Converged, model.Iterations, model.Parameter("r") / model.Parameter("alpha"), shapes);
        return problems;
    }

    /// <summary>The model's name as the papers write it.</summary>
    public static string DisplayName(string model) => model switch
    {
        PurchaseModelNames.BgNbd => "BG/NBD",
        PurchaseModelNames.MbgNbd => "MBG/NBD",
        PurchaseModelNames.ParetoNbd => "Pareto/NBD",
        _ => model,
    };

    /// <summary>Problems the holdout reveals: purchases far from the prediction, or a churn risk that ranks no better than chance or than recency.</summary>
    /// <param name="model">The purchase model that made <paramref name="purchases"/>' prediction.</param>
    public static IReadOnlyList<FitProblem> Holdout(HoldoutCheck? purchases, ChurnValidationReport? churn, string model = PurchaseModelNames.BgNbd)
    {
        var problems = new List<FitProblem>();
        if (purchases is null)
        {
            return problems;
        }

        var tolerance = HoldoutTolerance * Math.Max(purchases.TotalActual, 10);
        if (Math.Abs(purchases.TotalPredicted - purchases.TotalActual) > tolerance)
        {
            problems.Add(Degrades(FitProblemCodes.HoldoutPurchasesOff,
                Invariant($"{DisplayName(model)} predicted {purchases.TotalPredicted:0.#} repeat purchases in the holdout; {purchases.TotalActual} were made")));
        }

        if (churn is null)
        {
            problems.Add(Degrades(FitProblemCodes.HoldoutNotValidated, "everybody or nobody bought in the holdout, so the churn risk's ranking could not be scored"));
        }
        else if (churn.Auc < MinChurnAuc || churn.Auc < churn.RecencyAuc - 0.02)
        {
            problems.Add(Degrades(FitProblemCodes.ChurnRiskFailsHoldout,
                Invariant($"the churn risk ranks the holdout with an AUC of {churn.Auc:0.000}; weeks since the last purchase alone scores {churn.RecencyAuc:0.000}")));
        }

        return problems;
    }

    /// <summary>Failed if any problem fails the fit, degraded if there are problems, otherwise completed.</summary>
    public static FitStatus StatusOf(IReadOnlyList<FitProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Any(p => p.Severity == FitProblemSeverity.Fails) ? FitStatus.Failed
            : problems.Count > 0 ? FitStatus.Degraded
            : FitStatus.Completed;
    }

    private static void Check(
        List<FitProblem> problems, string model, FitProblemSeverity severity, bool converged, int iterations, double? meanRate,
        params (string Name, double Value)[] shapes)
    {
        if (!converged)
        {
            problems.Add(new FitProblem(FitProblemCodes.NotConverged, severity,
                Invariant($"the {model} fit stopped after {iterations} iteration(s) without reaching a maximum of the likelihood")));
        }

        var vanishing = shapes.Where(p => !(p.Value >= SmallestShape)).ToList();
        if (vanishing.Count > 0)
        {
            problems.Add(new FitProblem(FitProblemCodes.OnParameterBound, severity,
                Invariant($"the {model} estimate ran to the edge of the parameter space ({string.Join(", ", vanishing.Select(p => Invariant($"{p.Name} = {p.Value:G3}")))}; a shape below {SmallestShape:G} describes no population)")));
        }

        if (meanRate is { } rate && !(rate is >= SmallestMeanRate and <= LargestMeanRate))
        {
            problems.Add(new FitProblem(FitProblemCodes.OnParameterBound, severity,
                Invariant($"the {model} estimate ran to the edge of the parameter space (mean purchase rate r/alpha = {rate:G3} a week; sensible rates lie between {SmallestMeanRate:G} and {LargestMeanRate:G})")));
        }
    }

    private static FitProblem Fails(string code, string detail) => new(code, FitProblemSeverity.Fails, detail);

    private static FitProblem Degrades(string code, string detail) => new(code, FitProblemSeverity.Degrades, detail);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
