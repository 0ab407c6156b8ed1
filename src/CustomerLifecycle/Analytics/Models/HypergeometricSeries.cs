using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Power series used by <see cref="Hypergeometric"/>. Terms are produced by their ratio and the running
/// term and sums are rescaled by 1e200 whenever they grow past it, so the hump of large-parameter series
/// (terms up to e^700 and beyond) is summed without overflow; the scale is returned as a logarithm.
/// </summary>
internal static class HypergeometricSeries
{
    /// <summary>Relative size of the neglected tail at which a series stops (about one ulp).</summary>
    public const double Tolerance = 1e-16;

    /// <summary>Hard cap on terms; callers avoid reaching it by routing z near 1 to the 1 − z transformation.</summary>
    public const int MaximumTerms = 1 << 22;

    private const double RescaleThreshold = 1e200;
    private static readonly double LogRescaleThreshold = Math.Log(RescaleThreshold);

    /// <summary>
    /// Σ_{n≥0} (a)_n (b)_n / ((c)_n n!) zⁿ (DLMF 15.2.1). Stops exactly when a or b is a non-positive integer
    /// (the series is a polynomial); otherwise once every Pochhammer factor has settled its sign and the
    /// geometric bound on the remaining tail, |t_n| q/(1 − q) with q = max(next ratio, |z|), is below one ulp.
    /// </summary>
    public static HypergeometricEstimate Gauss(double a, double b, double c, double z)
    {
        double term = 1, sum = 1, absoluteSum = 1, logScale = 0;
        var settledFrom = Math.Max(Math.Max(-a, -b), -c);
        for (var n = 0; n < MaximumTerms; n++)
        {
            var numerator = (a + n) * (b + n);
            if (numerator == 0)
            {
                return Finish(sum, absoluteSum, logScale);
            }

            term *= numerator / ((c + n) * (n + 1)) * z;
            sum += term;
            absoluteSum += Math.Abs(term);
            if (Math.Abs(term) > RescaleThreshold)
            {
                term /= RescaleThreshold;
                sum /= RescaleThreshold;
                absoluteSum /= RescaleThreshold;
                logScale += LogRescaleThreshold;
            }

            if (n + 1 > settledFrom)
            {
                var nextRatio = Math.Abs((a + n + 1) * (b + n + 1) / ((c + n + 1) * (n + 2)) * z);
                var bound = Math.Max(nextRatio, Math.Abs(z));
                if (bound < 1 && Math.Abs(term) * bound <= Tolerance * (1 - bound) * Math.Abs(sum))
                {
                    return Finish(sum, absoluteSum, logScale);
                }
            }
        }

        return HypergeometricEstimate.NotConverged;
    }

    /// <summary>
    /// The finite sum Σ_{k=0}^{m−1} (a)_k (b)_k (m−k−1)!/k! (z − 1)^k of DLMF 15.8.10, divided by (m − 1)!
    /// (the caller multiplies that factorial back in log space). Term ratio: (a+k)(b+k)(z−1)/((k+1)(m−k−1)).
    /// </summary>
    public static HypergeometricEstimate LogarithmicCaseFinitePart(double a, double b, int m, double oneMinusZ)
    {
        double term = 1, sum = 1, absoluteSum = 1, logScale = 0;
        for (var k = 0; k < m - 1; k++)
        {
            term *= (a + k) * (b + k) * -oneMinusZ / ((k + 1.0) * (m - k - 1.0));
            sum += term;
            absoluteSum += Math.Abs(term);
            if (Math.Abs(term) > RescaleThreshold)
            {
                term /= RescaleThreshold;
                sum /= RescaleThreshold;
                absoluteSum /= RescaleThreshold;
                logScale += LogRescaleThreshold;
            }
        }

        return Finish(sum, absoluteSum, logScale);
    }

    /// <summary>
    /// The infinite sum of DLMF 15.8.10 times m!:
    /// Σ_k (a+m)_k (b+m)_k m!/(k!(k+m)!) w^k [ln w − ψ(k+1) − ψ(k+m+1) + ψ(a+k+m) + ψ(b+k+m)], w = 1 − z.
    /// The digammas advance by ψ(x + 1) = ψ(x) + 1/x, so only two MathNet digamma calls are made.
    /// The bracket tends to ln w, so the tail is bounded by the coefficient tail times (|bracket| + 1).
    /// </summary>
    public static HypergeometricEstimate LogarithmicCaseInfinitePart(double a, double b, int m, double oneMinusZ)
    {
        var logW = Math.Log(oneMinusZ);
        var psiK = -Constants.EulerMascheroni;
        var psiKm = psiK;
        for (var j = 1; j <= m; j++)
        {
            psiKm += 1.0 / j;
        }

        var psiA = SpecialFunctions.DiGamma(a + m);
        var psiB = SpecialFunctions.DiGamma(b + m);
        double coefficient = 1, sum = 0, absoluteSum = 0, logScale = 0;
        var settledFrom = Math.Max(-(a + m), -(b + m));
        for (var k = 0; k < MaximumTerms; k++)
        {
            var term = coefficient * (logW - psiK - psiKm + psiA + psiB);
            sum += term;
            absoluteSum += Math.Abs(term);

            var ratio = (a + m + k) * (b + m + k) * oneMinusZ / ((k + 1.0) * (k + m + 1.0));
            psiK += 1.0 / (k + 1);
            psiKm += 1.0 / (k + m + 1);
            psiA += 1.0 / (a + m + k);
            psiB += 1.0 / (b + m + k);
            coefficient *= ratio;
            if (Math.Abs(coefficient) > RescaleThreshold)
            {
                coefficient /= RescaleThreshold;
                sum /= RescaleThreshold;
                absoluteSum /= RescaleThreshold;
                logScale += LogRescaleThreshold;
            }

            if (k + 1 > settledFrom)
            {
                var bound = Math.Max(Math.Abs(ratio), oneMinusZ);
                var bracket = Math.Abs(logW - psiK - psiKm + psiA + psiB) + 1;
                if (bound < 1 && Math.Abs(coefficient) * bracket <= Tolerance * (1 - bound) * Math.Abs(sum))
                {
                    return Finish(sum, absoluteSum, logScale);
                }
            }
        }

        return HypergeometricEstimate.NotConverged;
    }

    private static HypergeometricEstimate Finish(double sum, double absoluteSum, double logScale)
    {
        if (sum == 0)
        {
            return new HypergeometricEstimate(SignedLog.Zero, absoluteSum == 0 ? 1 : double.PositiveInfinity);
        }

        var value = new SignedLog(Math.Log(Math.Abs(sum)) + logScale, Math.Sign(sum));
        return new HypergeometricEstimate(value, absoluteSum / Math.Abs(sum));
    }
}
