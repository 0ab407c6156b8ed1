using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// The MBG/NBD model of Batislam, Denizel &amp; Filiztekin (2007), "Empirical validation and comparison of models for
/// customer base analysis", IJRM 24(3): as BG/NBD, but a customer may also drop out right after the first purchase,
/// so a one-time buyer who has been silent for long is probably gone (BG/NBD holds every one-time buyer alive).
/// While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α); at the first and after every repeat
/// purchase they drop out with probability p ~ Beta(a, b).
/// </summary>
public static class MbgNbd
{
    private static readonly string[] ParameterNames = ["r", "alpha", "a", "b"];

    /// <summary>
    /// ln L(r, α, a, b | x, t_x, T) with L = Γ(r+x)α^r/Γ(r) · B(a, b+x+1)/B(a, b) · [(α+T)^−(r+x) + a/(b+x) (α+t_x)^−(r+x)].
    /// </summary>
    public static double LogLikelihood(MbgNbdParameters parameters, CustomerSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        return LogLikelihood(parameters.R, parameters.Alpha, parameters.A, parameters.B, customer);
    }

    /// <summary>Sum of <see cref="LogLikelihood(MbgNbdParameters, CustomerSummary)"/> over customers.</summary>
    public static double LogLikelihood(MbgNbdParameters parameters, ReadOnlySpan<CustomerSummary> customers) =>
        LogLikelihoodWithGradient(parameters, customers).LogLikelihood;

    /// <summary>Total log-likelihood and its analytic gradient with respect to (r, α, a, b).</summary>
    public static (double LogLikelihood, double[] Gradient) LogLikelihoodWithGradient(
        MbgNbdParameters parameters, ReadOnlySpan<CustomerSummary> customers)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var gradient = new double[4];
        var value = new MbgNbdLikelihood(new WeightedSummaries(customers)).Evaluate(parameters.R, parameters.Alpha, parameters.A, parameters.B, gradient);
        return (value, gradient);
    }

    /// <summary>Maximum-likelihood (r, α, a, b) by BFGS on the log-parameters with the analytic gradient, with standard errors.</summary>
    public static ModelFitResult<MbgNbdParameters> Fit(
        ReadOnlySpan<CustomerSummary> customers, ModelFitOptions<MbgNbdParameters>? options = null)
    {
        if (customers.IsEmpty)
        {
            throw new ArgumentException("At least one customer summary is needed to fit the MBG/NBD model.", nameof(customers));
        }

        var likelihood = new MbgNbdLikelihood(new WeightedSummaries(customers));
        double Total(double[] p) => likelihood.Evaluate(p[0], p[1], p[2], p[3], new double[4]);
        var summaries = likelihood.Summaries;
        var alpha = summaries.TotalAge / Math.Max(summaries.TotalRepeatTransactions, 1);
        var start = options?.InitialGuess ?? new MbgNbdParameters(1, alpha > 0 && double.IsFinite(alpha) ? alpha : 1, 1, 1);
        var outcome = LogParameterOptimizer.Maximize(
            (p, gradient) => likelihood.Evaluate(p[0], p[1], p[2], p[3], gradient),
            [start.R, start.Alpha, start.A, start.B],
            summaries.Count,
            options?.MaximumIterations ?? 1000);
        var p = outcome.Parameters;
        return new ModelFitResult<MbgNbdParameters>(new MbgNbdParameters(p[0], p[1], p[2], p[3]), outcome.LogLikelihood, outcome.Iterations, outcome.Converged)
        {
            Estimates = StandardErrors.Estimate(Total, ParameterNames, p),
        };
    }

    /// <summary>P(alive | x, t_x, T) = 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)): below 1 for one-time buyers too.</summary>
    public static double ProbabilityAlive(MbgNbdParameters parameters, CustomerSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        var x = customer.Frequency;
        var logOdds = Math.Log(parameters.A / (parameters.B + x))
            + ((parameters.R + x) * Math.Log((parameters.Alpha + customer.T) / (parameters.Alpha + customer.Recency)));
        return Logistic(-logOdds);
    }

    /// <summary>
    /// E[X(t)]: expected repeat transactions in (0, t] of a customer just acquired, b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))]:
    /// the BG/NBD expectation for Beta(a, b+1) dropout weighted by the chance b/(a+b) of surviving the first purchase.
    /// </summary>
    public static double ExpectedTransactions(MbgNbdParameters parameters, double t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ParameterValidation.RequireNonNegative(t, nameof(t));
        var survivedFirst = parameters.B / (parameters.A + parameters.B);
        return survivedFirst * BgNbd.ExpectedFutureTransactionsIfAlive(Shifted(parameters), 0, 0, t);
    }

    /// <summary>
    /// E[Y(t) | x, t_x, T]: P(alive) · (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x+1; a+b+x; t/(α+T+t))].
    /// Given alive the customer has survived x + 1 dropout chances, so the posterior of p is Beta(a, b+x+1): the BG/NBD
    /// expression with b + 1 in place of b.
    /// </summary>
    public static double ConditionalExpectedTransactions(MbgNbdParameters parameters, CustomerSummary customer, double t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        ParameterValidation.RequireNonNegative(t, nameof(t));
        return ProbabilityAlive(parameters, customer)
            * BgNbd.ExpectedFutureTransactionsIfAlive(Shifted(parameters), customer.Frequency, customer.T, t);
    }

    /// <summary>
    /// P(no transaction in (T, T + t] | x, t_x, T) = 1 − P(alive) + P(alive) · ((α+T)/(α+T+t))^(r+x): a customer who is
    /// gone buys nothing, and one who is alive (posterior λ ~ Gamma(r+x, α+T)) can only drop out after a purchase.
    /// </summary>
    public static double ProbabilityOfNoPurchase(MbgNbdParameters parameters, CustomerSummary customer, double t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ParameterValidation.RequireNonNegative(t, nameof(t));
        var alive = ProbabilityAlive(parameters, customer);
        var shifted = parameters.Alpha + customer.T;
        var quietIfAlive = Math.Exp((parameters.R + customer.Frequency) * Math.Log(shifted / (shifted + t)));
        return 1 - alive + (alive * quietIfAlive);
    }

    private static BgNbdParameters Shifted(MbgNbdParameters parameters) =>
        new(parameters.R, parameters.Alpha, parameters.A, parameters.B + 1);

    private static double LogLikelihood(double r, double alpha, double a, double b, CustomerSummary customer)
    {
        var x = customer.Frequency;
        var common = SpecialFunctions.GammaLn(r + x) - SpecialFunctions.GammaLn(r) + (r * Math.Log(alpha))
            + SpecialFunctions.GammaLn(a + b) + SpecialFunctions.GammaLn(b + x + 1)
            - SpecialFunctions.GammaLn(b) - SpecialFunctions.GammaLn(a + b + x + 1);
        var stillAlive = -(r + x) * Math.Log(alpha + customer.T);
        var droppedAfterLast = Math.Log(a / (b + x)) - ((r + x) * Math.Log(alpha + customer.Recency));
        return common + LogSumExp(stillAlive, droppedAfterLast);
    }

    internal static double LogSumExp(double first, double second)
    {
        var larger = Math.Max(first, second);
        return double.IsNegativeInfinity(larger)
            ? larger
            : larger + Math.Log(Math.Exp(first - larger) + Math.Exp(second - larger));
    }

    internal static double Logistic(double logOdds) =>
        logOdds >= 0 ? 1 / (1 + Math.Exp(-logOdds)) : Math.Exp(logOdds) / (1 + Math.Exp(logOdds));
}
