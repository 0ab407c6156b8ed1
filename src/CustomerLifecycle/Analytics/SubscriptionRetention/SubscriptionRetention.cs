using System.Globalization;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.SubscriptionRetention;

/// <summary>The sBG estimate: each subscriber cancels at a renewal with their own probability θ ~ Beta(α, β).</summary>
/// <param name="MeanChurnProbability">α/(α+β): the share of a new cohort lost at the first renewal.</param>
public sealed record RetentionFit(
    double Alpha, double? AlphaStandardError, double Beta, double? BetaStandardError, double LogLikelihood, int Iterations, bool Converged, double MeanChurnProbability);

/// <summary>One point of a retention curve.</summary>
/// <param name="Renewal">t: 0 is the start.</param>
/// <param name="Survival">S(t) by the model: the share of the cohort still subscribed after t renewals.</param>
/// <param name="RetentionRate">r(t) = S(t)/S(t−1); null at the start.</param>
/// <param name="Observed">Sₜ/S₀ as recorded; null beyond the renewals the cohort has reached (the projection).</param>
public sealed record RetentionPoint(int Renewal, double Survival, double? RetentionRate, double? Observed);

/// <summary>One cohort's retention: what was seen, the sBG fit, its curve and the value of a new subscriber.</summary>
/// <param name="Cohort">yyyy-MM, or <c>all</c> for the fit pooled over every cohort.</param>
/// <param name="Survivors">Sₜ as recorded, t = 0 … the renewals reached; null for <c>all</c>.</param>
/// <param name="Fit">Null when the cohort cannot identify the model (<paramref name="Problem"/> says why).</param>
/// <param name="Curve">From the start to the renewals reached plus the horizon; empty without a fit.</param>
/// <param name="MeanPayment">Mean start amount in the report's currency; null when no subscription of the cohort named one in it.</param>
/// <param name="ExpectedLifetimeValue">MeanPayment × Σₜ S(t)/(1+d)ᵗ: a new subscriber's payments, each at the start of its period, discounted.</param>
public sealed record CohortRetention(
    string Cohort, int Subscribers, IReadOnlyList<int>? Survivors, RetentionFit? Fit, string? Problem, IReadOnlyList<RetentionPoint> Curve,
    decimal? MeanPayment, double? ExpectedLifetimeValue);

/// <summary>Fits sBG per cohort and over all cohorts (pure).</summary>
public static class SubscriptionRetentionModel
{
    /// <summary>A cohort smaller than this is not fitted on its own (two parameters need more than a handful of subscribers); the pooled fit covers it.</summary>
    public const int MinSubscribers = 20;

    /// <summary>Estimates outside [1e-4, 1e6] have run off to the edge of the parameter space: no answer to give.</summary>
    private const double Smallest = 1e-4, Largest = 1e6;

    public static CohortRetention Cohort(SubscriptionCohort cohort, int horizon, double discountRate)
    {
        ArgumentNullException.ThrowIfNull(cohort);
        var problem = cohort.Subscribers < MinSubscribers
            ? Invariant($"{cohort.Subscribers} subscriber(s); a cohort needs at least {MinSubscribers} to be fitted on its own (the pooled fit covers it)")
            : null;
        return Analyse(cohort.Cohort, [cohort.Survivors], cohort.Payments, horizon, discountRate, problem) with { Survivors = cohort.Survivors };
    }

    public static CohortRetention Pooled(IReadOnlyList<SubscriptionCohort> cohorts, int horizon, double discountRate)
    {
        ArgumentNullException.ThrowIfNull(cohorts);
        return Analyse("all", [.. cohorts.Select(c => c.Survivors)], [.. cohorts.SelectMany(c => c.Payments)], horizon, discountRate,
            cohorts.Count == 0 ? "no subscription with this billing interval in this scope" : null);
    }

    /// <summary>Σₜ S(t)/(1+d)ᵗ = 1 + DERL(0)/(1+d): the discounted expected number of payments of a new subscriber.</summary>
    public static double DiscountedExpectedPayments(SbgParameters parameters, double discountRate) =>
        1 + (ShiftedBetaGeometric.DiscountedExpectedResidualLifetime(parameters, 0, discountRate) / (1 + discountRate));

    private static CohortRetention Analyse(
        string name, IReadOnlyList<IReadOnlyList<int>> survivors, IReadOnlyList<decimal> payments, int horizon, double discountRate, string? problem)
    {
        var subscribers = survivors.Sum(s => s[0]);
        decimal? meanPayment = payments.Count > 0 ? Math.Round(payments.Average(), 4) : null;
        problem ??= subscribers == 0 ? "no subscriber"
            : survivors.All(s => s.Count < 2) ? "no renewal reached yet: the cohort has not had a chance to cancel"
            : survivors.All(s => s[^1] == s[0]) ? "nobody has cancelled yet, so the churn probability cannot be estimated (it would be 0)"
            : survivors.Where(s => s.Count > 1).All(s => s[1] == 0) ? "everybody cancelled at the first renewal, so the spread of churn probabilities cannot be estimated"
            : null;
        if (problem is not null)
        {
            return new CohortRetention(name, subscribers, null, null, problem, [], meanPayment, null);
        }

        var result = ShiftedBetaGeometric.Fit(survivors);
        var (alpha, beta) = (result.Parameters.Alpha, result.Parameters.Beta);
        if (!result.Converged || alpha is < Smallest or > Largest || beta is < Smallest or > Largest)
        {
            return new CohortRetention(name, subscribers, null, null,
                Invariant($"the sBG fit {(result.Converged ? "ran to the edge of the parameter space" : "did not converge")} (alpha = {alpha:G3}, beta = {beta:G3})"), [], meanPayment, null);
        }

        double? Error(string parameter) => result.Estimates.FirstOrDefault(e => e.Name == parameter)?.StandardError;
        var fit = new RetentionFit(alpha, Error("alpha"), beta, Error("beta"), result.LogLikelihood, result.Iterations, result.Converged, alpha / (alpha + beta));
        var reached = survivors.Max(s => s.Count) - 1;
        var observed = survivors.Count == 1 ? survivors[0] : null;
        var curve = Enumerable.Range(0, reached + horizon + 1)
            .Select(t => new RetentionPoint(
                t,
                ShiftedBetaGeometric.Survival(result.Parameters, t),
                t == 0 ? null : ShiftedBetaGeometric.RetentionRate(result.Parameters, t),
                observed is not null && t < observed.Count ? observed[t] / (double)observed[0] : null))
            .ToList();
        double? value = meanPayment is { } m ? (double)m * DiscountedExpectedPayments(result.Parameters, discountRate) : null;
        return new CohortRetention(name, subscribers, null, fit, null, curve, meanPayment, value);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
