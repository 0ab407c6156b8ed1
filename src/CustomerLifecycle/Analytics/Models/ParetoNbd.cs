using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// The Pareto/NBD model of Schmittlein, Morrison &amp; Colombo (1987), "Counting your customers", Management Science
/// 33(1), in the form of Fader &amp; Hardie (2005), "A note on deriving the Pareto/NBD model and related expressions":
/// while alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α) and drops out at any moment, after an
/// Exp(μ) lifetime with μ ~ Gamma(s, β). Dropout runs in continuous time, so a long-silent customer, one-time
/// buyers included, is probably gone.
/// </summary>
public static class ParetoNbd
{
    private static readonly string[] ParameterNames = ["r", "alpha", "s", "beta"];

    /// <summary>
    /// ln L with L = Γ(r+x)α^r β^s/Γ(r) · [(α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀] (Fader &amp; Hardie 2005 note, eq. 22),
    /// A₀ a difference of two ₂F₁ terms at t_x and T.
    /// </summary>
    public static double LogLikelihood(ParetoNbdParameters parameters, CustomerSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        var terms = Terms(parameters.R, parameters.Alpha, parameters.S, parameters.Beta, customer);
        return terms.Common + MbgNbd.LogSumExp(terms.LogAlive, terms.LogDead);
    }

    /// <summary>Sum of <see cref="LogLikelihood(ParetoNbdParameters, CustomerSummary)"/> over customers.</summary>
    public static double LogLikelihood(ParetoNbdParameters parameters, ReadOnlySpan<CustomerSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new WeightedSummaries(customers).Sum(c => LogLikelihood(parameters, c));
    }

    /// <summary>Maximum-likelihood (r, α, s, β) by BFGS on the log-parameters, with standard errors.</summary>
    public static ModelFitResult<ParetoNbdParameters> Fit(
        ReadOnlySpan<CustomerSummary> customers, ModelFitOptions<ParetoNbdParameters>? options = null)
    {
        if (customers.IsEmpty)
        {
            throw new ArgumentException("At least one customer summary is needed to fit the Pareto/NBD model.", nameof(customers));
        }

        var summaries = new WeightedSummaries(customers);
        double Total(double[] p) => summaries.Sum(() =>
        {
            var cache = new Dictionary<(int, double), double>();
            return c =>
            {
                var terms = Terms(p[0], p[1], p[2], p[3], c, cache);
                return terms.Common + MbgNbd.LogSumExp(terms.LogAlive, terms.LogDead);
            };
        });
        var scale = summaries.TotalAge / Math.Max(summaries.TotalRepeatTransactions, 1);
        scale = scale > 0 && double.IsFinite(scale) ? scale : 1;
        var start = options?.InitialGuess ?? new ParetoNbdParameters(1, scale, 1, summaries.TotalAge / summaries.Count);
        var outcome = LogParameterOptimizer.MaximizeWithNumericalGradient(
            Total, [start.R, start.Alpha, start.S, start.Beta], summaries.Count, options?.MaximumIterations ?? 1000);
        var p = outcome.Parameters;
        return new ModelFitResult<ParetoNbdParameters>(new ParetoNbdParameters(p[0], p[1], p[2], p[3]), outcome.LogLikelihood, outcome.Iterations, outcome.Converged)
        {
            Estimates = StandardErrors.Estimate(Total, ParameterNames, p),
        };
    }

    /// <summary>P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀).</summary>
    public static double ProbabilityAlive(ParetoNbdParameters parameters, CustomerSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        var terms = Terms(parameters.R, parameters.Alpha, parameters.S, parameters.Beta, customer);
        return MbgNbd.Logistic(terms.LogAlive - terms.LogDead);
    }

    /// <summary>E[X(t)] = rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)] for a customer just acquired (the limit rβ/α · ln((β+t)/β) at s = 1).</summary>
    public static double ExpectedTransactions(ParetoNbdParameters parameters, double t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ParameterValidation.RequireNonNegative(t, nameof(t));
        return parameters.R / parameters.Alpha * parameters.Beta
            * PowerIntegral(parameters.S - 1, Math.Log(parameters.Beta / (parameters.Beta + t)));
    }

    /// <summary>E[Y(t) | x, t_x, T] = P(alive) · (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)].</summary>
    public static double ConditionalExpectedTransactions(ParetoNbdParameters parameters, CustomerSummary customer, double t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ParameterValidation.RequireNonNegative(t, nameof(t));
        var shiftedBeta = parameters.Beta + customer.T;
        return ProbabilityAlive(parameters, customer)
            * (parameters.R + customer.Frequency) / (parameters.Alpha + customer.T) * shiftedBeta
            * PowerIntegral(parameters.S - 1, Math.Log(shiftedBeta / (shiftedBeta + t)));
    }

    /// <summary>[1 − e^(k·L)]/k for L ≤ 0, continuous through k = 0 (where it is −L).</summary>
    private static double PowerIntegral(double k, double logRatio)
    {
        var product = k * logRatio;
        if (Math.Abs(product) < 1e-5)
        {
            return -logRatio * (1 + (product / 2) + (product * product / 6));
        }

        return (1 - Math.Exp(product)) / k;
    }

    /// <summary>
    /// The log of the common factor, of the "still alive at T" term and of the "dropped out in (t_x, T]" term
    /// s/(r+s+x) · A₀. A₀ = F(t_x) − F(T) with F(y) = ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+y)) / (α+y)^(r+s+x) when
    /// α ≥ β, and ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+y)) / (β+y)^(r+s+x) otherwise, so the argument stays in [0, 1).
    /// </summary>
    /// <param name="cache">
    /// ln F by (x, y) at these parameters: customers acquired on the same day share F(T), and customers whose last
    /// purchase fell on the same day share F(t_x), so a fit evaluates ₂F₁ for a fraction of its customers.
    /// </param>
    private static (double Common, double LogAlive, double LogDead) Terms(
        double r, double alpha, double s, double beta, CustomerSummary customer, Dictionary<(int, double), double>? cache = null)
    {
        var x = customer.Frequency;
        var common = SpecialFunctions.GammaLn(r + x) - SpecialFunctions.GammaLn(r) + (r * Math.Log(alpha)) + (s * Math.Log(beta));
        var logAlive = (-(r + x) * Math.Log(alpha + customer.T)) - (s * Math.Log(beta + customer.T));
        var rsx = r + s + x;
        var (larger, difference, secondNumerator) = alpha >= beta ? (alpha, alpha - beta, s + 1) : (beta, beta - alpha, r + x);
        double LogF(double y)
        {
            if (cache is not null && cache.TryGetValue((x, y), out var cached))
            {
                return cached;
            }

            var value = Hypergeometric.Estimate(rsx, secondNumerator, rsx + 1, difference / (larger + y)).Value.Log - (rsx * Math.Log(larger + y));
            cache?.Add((x, y), value);
            return value;
        }

        var atRecency = LogF(customer.Recency);
        var atAge = LogF(customer.T);
        var logDead = atAge >= atRecency
            ? double.NegativeInfinity
            : Math.Log(s / rsx) + atRecency + NumericFunctions.Log1P(-Math.Exp(atAge - atRecency));
        return (common, logAlive, logDead);
    }
}
