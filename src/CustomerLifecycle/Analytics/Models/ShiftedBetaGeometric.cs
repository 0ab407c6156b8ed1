using MathNet.Numerics;
using static CustomerLifecycle.Analytics.Models.ParameterValidation;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>sBG parameters: each customer's churn probability per period θ ~ Beta(α, β). Both must be positive.</summary>
public sealed record SbgParameters
{
    public SbgParameters(double alpha, double beta)
    {
        Alpha = RequirePositive(alpha, nameof(alpha));
        Beta = RequirePositive(beta, nameof(beta));
    }

    public double Alpha { get; }

    public double Beta { get; }
}

/// <summary>
/// The shifted-beta-geometric (sBG) model of contractual retention, Fader &amp; Hardie (2007), "How to project customer
/// retention", Journal of Interactive Marketing 21(1): at the end of every period a subscriber renews or cancels; each
/// cancels with their own probability θ, constant over time, and θ varies across customers as Beta(α, β). Retention
/// rises with tenure not because anyone grows more loyal but because the likeliest cancellers leave first.
/// A cohort is given as its survivors: S₀ customers at the start, Sₜ still subscribed after t renewals.
/// </summary>
public static class ShiftedBetaGeometric
{
    private static readonly string[] ParameterNames = ["alpha", "beta"];

    /// <summary>
    /// ln L = Σₜ (Sₜ₋₁ − Sₜ) ln P(T = t) + S_n ln S(n), with P(T = 1) = α/(α+β),
    /// P(T = t) = P(T = t−1) · (β+t−2)/(α+β+t−1) and S(t) = S(t−1) · (β+t−1)/(α+β+t−1), summed over cohorts.
    /// </summary>
    public static double LogLikelihood(SbgParameters parameters, IReadOnlyList<IReadOnlyList<int>> cohorts)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(cohorts);
        return LogLikelihood(parameters.Alpha, parameters.Beta, cohorts);
    }

    /// <summary>Maximum-likelihood (α, β) over one or more cohorts, with standard errors.</summary>
    /// <exception cref="ArgumentException">No cohort has a renewal to learn from, or survivors grow.</exception>
    public static ModelFitResult<SbgParameters> Fit(IReadOnlyList<IReadOnlyList<int>> cohorts)
    {
        ArgumentNullException.ThrowIfNull(cohorts);
        foreach (var cohort in cohorts)
        {
            if (cohort.Count == 0 || cohort.Any(s => s < 0) || cohort.Zip(cohort.Skip(1)).Any(p => p.Second > p.First))
            {
                throw new ArgumentException("Each cohort lists its survivors from period 0 on: never negative, never growing.", nameof(cohorts));
            }
        }

        var customers = cohorts.Sum(c => c[0]);
        if (customers == 0 || cohorts.All(c => c.Count < 2))
        {
            throw new ArgumentException("At least one cohort with customers and one renewal is needed to fit the sBG model.", nameof(cohorts));
        }

        double Total(double[] p) => LogLikelihood(p[0], p[1], cohorts);
        var outcome = LogParameterOptimizer.MaximizeWithNumericalGradient(Total, [1, 1], customers, 1000);
        var (alpha, beta) = (outcome.Parameters[0], outcome.Parameters[1]);
        return new ModelFitResult<SbgParameters>(new SbgParameters(alpha, beta), outcome.LogLikelihood, outcome.Iterations, outcome.Converged)
        {
            Estimates = StandardErrors.Estimate(Total, ParameterNames, outcome.Parameters),
        };
    }

    /// <summary>S(t): the share of a cohort still subscribed after t renewals (S(0) = 1).</summary>
    public static double Survival(SbgParameters parameters, int t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(t);
        return Math.Exp(SpecialFunctions.BetaLn(parameters.Alpha, parameters.Beta + t) - SpecialFunctions.BetaLn(parameters.Alpha, parameters.Beta));
    }

    /// <summary>r(t) = S(t)/S(t−1) = (β+t−1)/(α+β+t−1): the renewal rate at the t-th renewal, rising with tenure.</summary>
    public static double RetentionRate(SbgParameters parameters, int t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(t, 1);
        return (parameters.Beta + t - 1) / (parameters.Alpha + parameters.Beta + t - 1);
    }

    /// <summary>
    /// Discounted expected residual lifetime of a customer who has made n renewals and is about to decide on the next,
    /// in payments still to come: the next one (if they renew) undiscounted, each later one discounted by 1/(1+d) per
    /// period (Fader &amp; Hardie 2010, "Customer-base valuation in a contractual setting"):
    /// DERL = (β+n)/(α+β+n) · ₂F₁(1, β+n+1; α+β+n+1; 1/(1+d)) = Σ_{t&gt;n} S(t)/S(n) · (1+d)^−(t−n−1). Times the payment
    /// per period, it is the customer's remaining value; with n = 0 and the first payment added, a new subscriber's expected lifetime value.
    /// </summary>
    public static double DiscountedExpectedResidualLifetime(SbgParameters parameters, int n, double discountRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        RequirePositive(discountRate, nameof(discountRate));
        var (alpha, beta) = (parameters.Alpha, parameters.Beta);
        var z = 1 / (1 + discountRate);
        // ₂F₁(1, b; c; z) = Σ_k (b)_k/(c)_k z^k with terms falling at least geometrically in z < 1.
        double sum = 0, term = 1;
        for (var k = 0; k < 100_000 && term > 1e-17 * sum; k++)
        {
            sum += term;
            term *= (beta + n + 1 + k) / (alpha + beta + n + 1 + k) * z;
        }

        return (beta + n) / (alpha + beta + n) * sum;
    }

    private static double LogLikelihood(double alpha, double beta, IReadOnlyList<IReadOnlyList<int>> cohorts)
    {
        var total = 0.0;
        foreach (var survivors in cohorts)
        {
            var logChurn = Math.Log(alpha / (alpha + beta));
            var logSurvival = Math.Log(beta / (alpha + beta));
            for (var t = 1; t < survivors.Count; t++)
            {
                if (t > 1)
                {
                    logChurn += Math.Log((beta + t - 2) / (alpha + beta + t - 1));
                    logSurvival += Math.Log((beta + t - 1) / (alpha + beta + t - 1));
                }

                total += (survivors[t - 1] - survivors[t]) * logChurn;
            }

            if (survivors.Count > 1)
            {
                total += survivors[^1] * logSurvival;
            }
        }

        return total;
    }
}
