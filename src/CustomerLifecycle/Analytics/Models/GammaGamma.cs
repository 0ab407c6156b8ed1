using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// The Gamma-Gamma model of average transaction value (FHL 2005 "RFM and CLV"; Fader &amp; Hardie 2013,
/// "The Gamma-Gamma Model of Monetary Value"), fitted on customers with at least one repeat transaction.
/// </summary>
public static class GammaGamma
{
    /// <summary>
    /// ln f(m̄ | p, q, γ; x) with f = Γ(px+q)/(Γ(px)Γ(q)) · γ^q m̄^(px−1) x^(px) / (γ + x m̄)^(px+q),
    /// the density of the mean m̄ of x transaction values (Fader &amp; Hardie 2013, §2).
    /// </summary>
    public static double LogLikelihood(GammaGammaParameters parameters, SpendObservation customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        var (p, q, gamma) = (parameters.P, parameters.Q, parameters.Gamma);
        var px = p * customer.Frequency;
        var m = customer.MeanValue;
        return SpecialFunctions.GammaLn(px + q) - SpecialFunctions.GammaLn(px) - SpecialFunctions.GammaLn(q)
            + (q * Math.Log(gamma)) + ((px - 1) * Math.Log(m)) + (px * Math.Log(customer.Frequency))
            - ((px + q) * Math.Log(gamma + (customer.Frequency * m)));
    }

    /// <summary>Total log-likelihood over customers.</summary>
    public static double LogLikelihood(GammaGammaParameters parameters, ReadOnlySpan<SpendObservation> customers)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new GammaGammaLikelihoodKernel(customers).Evaluate(parameters.P, parameters.Q, parameters.Gamma, new double[3]);
    }

    /// <summary>Maximum-likelihood (p, q, γ) by BFGS on the log-parameters with the analytic gradient.</summary>
    public static ModelFitResult<GammaGammaParameters> Fit(
        ReadOnlySpan<SpendObservation> customers, ModelFitOptions<GammaGammaParameters>? options = null)
    {
        if (customers.IsEmpty)
        {
            throw new ArgumentException("At least one spend observation is needed to fit the Gamma-Gamma model.", nameof(customers));
        }

        var kernel = new GammaGammaLikelihoodKernel(customers);
        var start = options?.InitialGuess ?? new GammaGammaParameters(1, 1, kernel.MeanOfMeans);
        var outcome = LogParameterOptimizer.Maximize(
            (values, gradient) => kernel.Evaluate(values[0], values[1], values[2], gradient),
            [start.P, start.Q, start.Gamma],
            kernel.Count,
            options?.MaximumIterations ?? 1000);
        var fitted = new GammaGammaParameters(outcome.Parameters[0], outcome.Parameters[1], outcome.Parameters[2]);
        return new ModelFitResult<GammaGammaParameters>(fitted, outcome.LogLikelihood, outcome.Iterations, outcome.Converged);
    }

    /// <summary>
    /// E[M | p, q, γ, m̄, x] = p(γ + x m̄)/(px + q − 1) (FHL 2005 "RFM and CLV", §4): a weighted average of the
    /// population mean pγ/(q−1) and the customer's observed mean m̄, with weight px/(px+q−1) on m̄.
    /// Pass x = 0 (and any m̄) for a customer without repeat transactions to get the population mean.
    /// </summary>
    /// <returns>The expectation, or +∞ when px + q ≤ 1 (the posterior mean does not exist).</returns>
    public static double ConditionalExpectedAverageValue(GammaGammaParameters parameters, int frequency, double meanValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(frequency);
        ParameterValidation.RequireNonNegative(meanValue, nameof(meanValue));
        var px = parameters.P * frequency;
        var denominator = px + parameters.Q - 1;
        return denominator > 0 ? parameters.P * (parameters.Gamma + (frequency * meanValue)) / denominator : double.PositiveInfinity;
    }
}
