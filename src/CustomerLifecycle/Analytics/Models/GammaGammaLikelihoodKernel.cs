using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Spend observations sorted by x so that the x-only terms lnΓ(px+q) − lnΓ(px) and their digammas are
/// computed once per distinct x; ln m̄ and ln x are precomputed because they do not depend on the parameters.
/// </summary>
internal sealed class GammaGammaLikelihoodKernel
{
    private readonly int[] groupFrequency;
    private readonly int[] groupStart;
    private readonly double[] meanValue;
    private readonly double[] logMeanValue;

    public GammaGammaLikelihoodKernel(ReadOnlySpan<SpendObservation> customers)
    {
        var count = customers.Length;
        var frequencies = new int[count];
        meanValue = new double[count];
        for (var i = 0; i < count; i++)
        {
            customers[i].Validate();
            frequencies[i] = customers[i].Frequency;
            meanValue[i] = customers[i].MeanValue;
        }

        Array.Sort(frequencies, meanValue);
        logMeanValue = meanValue.Select(m => Math.Log(m)).ToArray();
        (groupFrequency, groupStart) = FrequencyGroups.Of(frequencies);
        MeanOfMeans = count == 0 ? 1 : meanValue.Average();
    }

    public int Count => meanValue.Length;

    public double MeanOfMeans { get; }

    /// <summary>
    /// Total log-likelihood and its gradient: ∂/∂p = x[ψ(px+q) − ψ(px) + ln m̄ + ln x − ln(γ + x m̄)],
    /// ∂/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ + x m̄), ∂/∂γ = q/γ − (px+q)/(γ + x m̄).
    /// </summary>
    public double Evaluate(double p, double q, double gamma, Span<double> gradient)
    {
        double total = 0, dp = 0, dq = 0, dGamma = 0;
        var logGamma = Math.Log(gamma);
        var lnGammaQ = SpecialFunctions.GammaLn(q);
        var psiQ = SpecialFunctions.DiGamma(q);
        for (var g = 0; g < groupFrequency.Length; g++)
        {
            var x = groupFrequency[g];
            var px = p * x;
            var logX = Math.Log(x);
            double sumLogMean = 0, sumLogShifted = 0, sumInverseShifted = 0;
            for (var i = groupStart[g]; i < groupStart[g + 1]; i++)
            {
                var shifted = gamma + (x * meanValue[i]);
                sumLogMean += logMeanValue[i];
                sumLogShifted += Math.Log(shifted);
                sumInverseShifted += 1 / shifted;
            }

            var n = groupStart[g + 1] - groupStart[g];
            var psiPxq = SpecialFunctions.DiGamma(px + q);
            total += (n * (SpecialFunctions.GammaLn(px + q) - SpecialFunctions.GammaLn(px) - lnGammaQ + (q * logGamma) + (px * logX)))
                + ((px - 1) * sumLogMean) - ((px + q) * sumLogShifted);
            dp += x * ((n * (psiPxq - SpecialFunctions.DiGamma(px) + logX)) + sumLogMean - sumLogShifted);
            dq += (n * (psiPxq - psiQ + logGamma)) - sumLogShifted;
            dGamma += (n * q / gamma) - ((px + q) * sumInverseShifted);
        }

        gradient[0] = dp;
        gradient[1] = dq;
        gradient[2] = dGamma;
        return total;
    }
}
