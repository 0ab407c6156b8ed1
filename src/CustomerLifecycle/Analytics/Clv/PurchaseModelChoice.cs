using System.Globalization;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>One purchase model fitted on the calibration period, with its holdout score when the fit has a holdout.</summary>
/// <param name="Model"><c>bgnbd</c>, <c>mbgnbd</c> or <c>paretonbd</c>.</param>
/// <param name="Parameters">Each parameter with its standard error where the model computes one.</param>
/// <param name="Problems">Why the fit is not to be trusted (did not converge, ran to the edge of the parameter space); empty when it is.</param>
public sealed record PurchaseModelCandidate(
    string Model, IReadOnlyList<ParameterEstimate> Parameters, double LogLikelihood, int Iterations, bool Converged,
    PurchaseModelHoldoutScore? Holdout, IReadOnlyList<string> Problems)
{
    public static PurchaseModelCandidate Of<TParameters>(PurchaseModel model, ModelFitResult<TParameters> fit, PurchaseModelHoldoutScore? holdout)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(fit);
        IReadOnlyList<ParameterEstimate> parameters = fit.Estimates.Count > 0 ? fit.Estimates : [.. model.Parameters.Select(p => new ParameterEstimate(p.Name, p.Value, null))];
        var candidate = new PurchaseModelCandidate(model.Name, parameters, fit.LogLikelihood, fit.Iterations, fit.Converged, holdout, []);
        return candidate with { Problems = [.. FitChecks.PurchaseModel(candidate, FitProblemSeverity.Fails).Select(p => p.Detail)] };
    }

    public double Parameter(string name) => Parameters.First(p => p.Name == name).Value;
}

/// <summary>The purchase model a snapshot uses and why.</summary>
/// <param name="Model">The model used: <c>bgnbd</c>, <c>mbgnbd</c> or <c>paretonbd</c>.</param>
/// <param name="Requested">What was asked for: a model, or <c>best</c>.</param>
/// <param name="Criterion">How <c>best</c> chooses; null when a model was named.</param>
/// <param name="Reason">Why this model, in words, with the scores that decided.</param>
/// <param name="Candidates">Every model fitted for the choice (only the named one when a model was named).</param>
public sealed record PurchaseModelChoice(string Model, string Requested, string? Criterion, string Reason, IReadOnlyList<PurchaseModelCandidate> Candidates);

/// <summary>Chooses the purchase model of a snapshot. Pure.</summary>
public static class PurchaseModelChoosing
{
    public const string Criterion =
        "the smallest mean absolute error of predicted against actual repeat purchases per customer over the holdout, among the candidates whose fit converged inside the parameter space";

    /// <param name="requested">A model's name, or <c>best</c> (then every candidate must carry a holdout score).</param>
    public static PurchaseModelChoice Choose(string requested, IReadOnlyList<PurchaseModelCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (requested != PurchaseModelNames.Best)
        {
            var named = candidates.Single(c => c.Model == requested);
            return new PurchaseModelChoice(named.Model, requested, null, $"{named.Model} was asked for (by the fit request, or as the default Analytics:Clv:Model)", candidates);
        }

        if (candidates.Count == 0 || candidates.Any(c => c.Holdout is null))
        {
            throw new ArgumentException("Choosing the best model needs every candidate scored on a holdout.", nameof(candidates));
        }

        var trusted = candidates.Where(c => c.Problems.Count == 0).ToList();
        var pool = trusted.Count > 0 ? trusted : candidates;
        var best = pool.OrderBy(c => c.Holdout!.MeanAbsoluteError).ThenByDescending(c => c.Holdout!.Auc).First();
        var scores = string.Join(", ", candidates.OrderBy(c => c.Holdout!.MeanAbsoluteError).Select(c =>
            Invariant($"{c.Model} {c.Holdout!.MeanAbsoluteError:0.0000} (AUC {c.Holdout.Auc:0.000}{(c.Problems.Count > 0 ? ", not trusted" : "")})")));
        var reason = trusted.Count > 0
            ? Invariant($"{best.Model} predicts the holdout's repeat purchases per customer best: mean absolute error {scores}")
            : Invariant($"no candidate's fit converged inside the parameter space; {best.Model} predicts the holdout best and is kept with its problems: mean absolute error {scores}");
        return new PurchaseModelChoice(best.Model, requested, Criterion, reason, candidates);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
