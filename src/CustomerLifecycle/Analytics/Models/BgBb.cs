using MathNet.Numerics;
using static CustomerLifecycle.Analytics.Models.ParameterValidation;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// BG/BB parameters: each customer's chance to transact at an opportunity p ~ Beta(α, β), and to drop out before the
/// next θ ~ Beta(γ, δ). All four must be positive.
/// </summary>
public sealed record BgBbParameters
{
    public BgBbParameters(double alpha, double beta, double gamma, double delta)
    {
        Alpha = RequirePositive(alpha, nameof(alpha));
        Beta = RequirePositive(beta, nameof(beta));
        Gamma = RequirePositive(gamma, nameof(gamma));
        Delta = RequirePositive(delta, nameof(delta));
    }

    public double Alpha { get; }

    public double Beta { get; }

    public double Gamma { get; }

    public double Delta { get; }
}

/// <summary>One customer over discrete transaction opportunities (a yearly gala, a weekly market).</summary>
/// <param name="Frequency">x: opportunities after the first at which the customer transacted.</param>
/// <param name="Recency">t_x: the last such opportunity (0 when x = 0).</param>
/// <param name="Opportunities">n: opportunities after the first in the calibration period.</param>
public readonly record struct DiscreteSummary(int Frequency, int Recency, int Opportunities)
{
    public void Validate()
    {
        if (Frequency < 0 || Recency < Frequency || Recency > Opportunities || (Frequency == 0 && Recency != 0) || (Frequency > 0 && Recency < 1))
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"Invalid discrete summary x={Frequency}, t_x={Recency}, n={Opportunities}: need 0 ≤ x ≤ t_x ≤ n, and t_x = 0 exactly when x = 0."));
        }
    }
}

/// <summary>
/// The beta-geometric/beta-binomial (BG/BB) model of Fader, Hardie &amp; Shang (2010), "Customer-base analysis in a
/// discrete-time noncontractual setting", Marketing Science 29(6): the discrete-time sibling of Pareto/NBD for
/// businesses whose customers can only act at set occasions. While alive a customer transacts at each opportunity
/// with probability p ~ Beta(α, β); before each opportunity they drop out for good with probability θ ~ Beta(γ, δ).
/// </summary>
public static class BgBb
{
    private static readonly string[] ParameterNames = ["alpha", "beta", "gamma", "delta"];

    /// <summary>
    /// ln L(α, β, γ, δ | x, t_x, n) with L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
    /// + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)  (FHS 2010, eq. 5).
    /// </summary>
    public static double LogLikelihood(BgBbParameters parameters, DiscreteSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        return LogLikelihood(parameters.Alpha, parameters.Beta, parameters.Gamma, parameters.Delta, customer);
    }

    /// <summary>Σ count · ln L over (summary, count) pairs: customers with the same history share a row, as in the donation data.</summary>
    public static double LogLikelihood(BgBbParameters parameters, IReadOnlyList<(DiscreteSummary Summary, int Count)> customers)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(customers);
        return Total(parameters.Alpha, parameters.Beta, parameters.Gamma, parameters.Delta, customers);
    }

    /// <summary>Maximum-likelihood (α, β, γ, δ), with standard errors.</summary>
    public static ModelFitResult<BgBbParameters> Fit(IReadOnlyList<(DiscreteSummary Summary, int Count)> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        foreach (var (summary, count) in customers)
        {
            summary.Validate();
            ArgumentOutOfRangeException.ThrowIfNegative(count);
        }

        var total = customers.Sum(c => c.Count);
        if (total == 0)
        {
            throw new ArgumentException("At least one customer is needed to fit the BG/BB model.", nameof(customers));
        }

        double LogL(double[] p) => Total(p[0], p[1], p[2], p[3], customers);
        var outcome = LogParameterOptimizer.MaximizeWithNumericalGradient(LogL, [1, 1, 1, 1], total, 1000);
        var p = outcome.Parameters;
        return new ModelFitResult<BgBbParameters>(new BgBbParameters(p[0], p[1], p[2], p[3]), outcome.LogLikelihood, outcome.Iterations, outcome.Converged)
        {
            Estimates = StandardErrors.Estimate(LogL, ParameterNames, p),
        };
    }

    /// <summary>P(alive at opportunity n + 1 | x, t_x, n) = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+1)/B(γ,δ) / L.</summary>
    public static double ProbabilityAlive(BgBbParameters parameters, DiscreteSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        var (a, b, g, d) = (parameters.Alpha, parameters.Beta, parameters.Gamma, parameters.Delta);
        var (x, n) = (customer.Frequency, customer.Opportunities);
        var alive = SpecialFunctions.BetaLn(a + x, b + n - x) - SpecialFunctions.BetaLn(a, b)
            + SpecialFunctions.BetaLn(g, d + n + 1) - SpecialFunctions.BetaLn(g, d);
        return Math.Exp(alive - LogLikelihood(a, b, g, d, customer));
    }

    /// <summary>
    /// E[X(n, n+n*) | x, t_x, n]: transactions expected over the next n* opportunities (FHS 2010, eq. 13):
    /// 1/L · B(α+x+1, β+n−x)/B(α,β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+n*)/Γ(γ+δ+n+n*)].
    /// </summary>
    public static double ConditionalExpectedTransactions(BgBbParameters parameters, DiscreteSummary customer, int futureOpportunities)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(futureOpportunities);
        var (a, b, g, d) = (parameters.Alpha, parameters.Beta, parameters.Gamma, parameters.Delta);
        var (x, n) = (customer.Frequency, customer.Opportunities);
        var logLead = SpecialFunctions.BetaLn(a + x + 1, b + n - x) - SpecialFunctions.BetaLn(a, b)
            + SpecialFunctions.GammaLn(g + d) - SpecialFunctions.GammaLn(1 + d) - LogLikelihood(a, b, g, d, customer);
        var bracket = Math.Exp(SpecialFunctions.GammaLn(1 + d + n) - SpecialFunctions.GammaLn(g + d + n))
            - Math.Exp(SpecialFunctions.GammaLn(1 + d + n + futureOpportunities) - SpecialFunctions.GammaLn(g + d + n + futureOpportunities));
        return Math.Exp(logLead) * d / (g - 1) * bracket;
    }

    /// <summary>
    /// P(X(n) = x) for a customer just acquired: the chance of x transactions at the next n opportunities (FHS 2010, eq. 7):
    /// C(n,x) B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ) + Σ_{i=x}^{n−1} C(i,x) B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ).
    /// </summary>
    public static double ProbabilityOfTransactions(BgBbParameters parameters, int x, int n)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(x);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(x, n);
        var (a, b, g, d) = (parameters.Alpha, parameters.Beta, parameters.Gamma, parameters.Delta);
        var (logBab, logBgd) = (SpecialFunctions.BetaLn(a, b), SpecialFunctions.BetaLn(g, d));
        var probability = Math.Exp(SpecialFunctions.BinomialLn(n, x) + SpecialFunctions.BetaLn(a + x, b + n - x) - logBab + SpecialFunctions.BetaLn(g, d + n) - logBgd);
        for (var i = x; i < n; i++)
        {
            probability += Math.Exp(SpecialFunctions.BinomialLn(i, x) + SpecialFunctions.BetaLn(a + x, b + i - x) - logBab + SpecialFunctions.BetaLn(g + 1, d + i) - logBgd);
        }

        return probability;
    }

    private static double Total(double a, double b, double g, double d, IReadOnlyList<(DiscreteSummary Summary, int Count)> customers)
    {
        var total = 0.0;
        foreach (var (summary, count) in customers)
        {
            total += count * LogLikelihood(a, b, g, d, summary);
        }

        return total;
    }

    private static double LogLikelihood(double a, double b, double g, double d, DiscreteSummary customer)
    {
        var (x, tx, n) = (customer.Frequency, customer.Recency, customer.Opportunities);
        var (logBab, logBgd) = (SpecialFunctions.BetaLn(a, b), SpecialFunctions.BetaLn(g, d));
        var logTerms = new double[n - tx + 1];
        logTerms[0] = SpecialFunctions.BetaLn(a + x, b + n - x) - logBab + SpecialFunctions.BetaLn(g, d + n) - logBgd;
        for (var i = 0; i < n - tx; i++)
        {
            logTerms[i + 1] = SpecialFunctions.BetaLn(a + x, b + tx - x + i) - logBab + SpecialFunctions.BetaLn(g + 1, d + tx + i) - logBgd;
        }

        var largest = logTerms.Max();
        return largest + Math.Log(logTerms.Sum(t => Math.Exp(t - largest)));
    }
}
