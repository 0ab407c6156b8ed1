using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Customer summaries laid out for repeated BG/NBD likelihood evaluation during a fit: sorted by frequency
/// into structure-of-arrays, so every x-only term (lnΓ(r+x) − lnΓ(r), the beta-function ratio, their
/// digammas) is computed once per distinct x and the per-customer loop is two logarithms, one exponential
/// and one log(1 + e) with no allocation. Large inputs are cut into a fixed number of index ranges that are
/// summed in parallel and then combined in a fixed order, so results do not depend on the core count.
/// </summary>
internal sealed class BgNbdLikelihoodKernel
{
    private const int ParallelThreshold = 65_536;
    private const int ChunkCount = 8;
    private const int SumCount = 5;

    private readonly int[] groupFrequency;
    private readonly int[] groupStart;
    private readonly double[] recency;
    private readonly double[] age;

    public BgNbdLikelihoodKernel(ReadOnlySpan<CustomerSummary> customers)
    {
        var count = customers.Length;
        var frequencies = new int[count];
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            customers[i].Validate();
            frequencies[i] = customers[i].Frequency;
            order[i] = i;
        }

        Array.Sort(frequencies, order);
        recency = new double[count];
        age = new double[count];
        for (var i = 0; i < count; i++)
        {
            recency[i] = customers[order[i]].Recency;
            age[i] = customers[order[i]].T;
        }

        (groupFrequency, groupStart) = FrequencyGroups.Of(frequencies);
        TotalRepeatTransactions = frequencies.Sum(x => (long)x);
        TotalAge = age.Sum();
    }

    public int Count => recency.Length;

    public long TotalRepeatTransactions { get; }

    public double TotalAge { get; }

    /// <summary>Total log-likelihood (FHL 2005 eq. 6) and its gradient (∂/∂r, ∂/∂α, ∂/∂a, ∂/∂b).</summary>
    public double Evaluate(double r, double alpha, double a, double b, Span<double> gradient)
    {
        var constants = new GroupConstants[groupFrequency.Length];
        for (var g = 0; g < constants.Length; g++)
        {
            constants[g] = GroupConstants.For(groupFrequency[g], r, a, b);
        }

        var chunks = Count >= ParallelThreshold ? ChunkCount : 1;
        var sums = new double[chunks * SumCount];
        if (chunks == 1)
        {
            Accumulate(0, Count, r, alpha, a, b, constants, sums);
        }
        else
        {
            Parallel.For(0, chunks, chunk =>
            {
                var from = (int)((long)Count * chunk / chunks);
                var to = (int)((long)Count * (chunk + 1) / chunks);
                Accumulate(from, to, r, alpha, a, b, constants, sums.AsSpan(chunk * SumCount, SumCount));
            });
        }

        Span<double> total = stackalloc double[SumCount];
        for (var chunk = 0; chunk < chunks; chunk++)
        {
            for (var k = 0; k < SumCount; k++)
            {
                total[k] += sums[(chunk * SumCount) + k];
            }
        }

        // The α^r factor is common to every customer.
        var logAlpha = Math.Log(alpha);
        gradient[0] = total[1] + (Count * logAlpha);
        gradient[1] = total[2] + (Count * r / alpha);
        gradient[2] = total[3];
        gradient[3] = total[4];
        return total[0] + (Count * r * logAlpha);
    }

    private void Accumulate(
        int from, int to, double r, double alpha, double a, double b, GroupConstants[] constants, Span<double> sums)
    {
        for (var g = 0; g < constants.Length; g++)
        {
            var start = Math.Max(from, groupStart[g]);
            var end = Math.Min(to, groupStart[g + 1]);
            if (start >= end)
            {
                continue;
            }

            var x = groupFrequency[g];
            if (x == 0)
            {
                AccumulateNonRepeaters(start, end, r, alpha, sums);
            }
            else
            {
                AccumulateRepeaters(start, end, r + x, alpha, a, b + x - 1, constants[g], sums);
            }
        }
    }

    /// <summary>For x = 0 the likelihood is (α/(α+T))^r: the gamma and beta ratios are all 1.</summary>
    private void AccumulateNonRepeaters(int start, int end, double r, double alpha, Span<double> sums)
    {
        double sumLog = 0, sumInverse = 0;
        for (var i = start; i < end; i++)
        {
            var shifted = alpha + age[i];
            sumLog += Math.Log(shifted);
            sumInverse += 1 / shifted;
        }

        sums[0] -= r * sumLog;
        sums[1] -= sumLog;
        sums[2] -= r * sumInverse;
    }

    /// <summary>
    /// ℓ = C(x) + log(e^A₃ + e^A₄) with A₃ = −(r+x) ln(α+T) and A₄ = ln a − ln(b+x−1) − (r+x) ln(α+t_x)
    /// (FHL 2005 eq. 6 in log form). w = e^A₄/(e^A₃ + e^A₄) is the posterior weight of "dropped out after the
    /// last purchase"; every derivative of the log-sum-exp is a w-weighted mix of the two branches.
    /// </summary>
    private void AccumulateRepeaters(
        int start, int end, double rx, double alpha, double a, double bx1, GroupConstants constants, Span<double> sums)
    {
        var logOdds = constants.LogOdds;
        double sumLse = 0, sumMix = 0, sumInverse = 0, sumWeight = 0;
        for (var i = start; i < end; i++)
        {
            var shiftedAge = alpha + age[i];
            var shiftedRecency = alpha + recency[i];
            var logAge = Math.Log(shiftedAge);
            var logRecency = Math.Log(shiftedRecency);
            var difference = (rx * (logRecency - logAge)) + logOdds;
            double logSumExp, weight;
            if (difference >= 0)
            {
                var e = Math.Exp(-difference);
                logSumExp = (-rx * logAge) + Math.Log(1 + e);
                weight = e / (1 + e);
            }
            else
            {
                var e = Math.Exp(difference);
                logSumExp = -logOdds - (rx * logRecency) + Math.Log(1 + e);
                weight = 1 / (1 + e);
            }

            sumLse += logSumExp;
            sumMix += logAge + (weight * (logRecency - logAge));
            sumInverse += ((1 - weight) / shiftedAge) + (weight / shiftedRecency);
            sumWeight += weight;
        }

        var count = end - start;
        sums[0] += (count * constants.LogLikelihood) + sumLse;
        sums[1] += (count * constants.DerivativeR) - sumMix;
        sums[2] -= rx * sumInverse;
        sums[3] += (count * constants.DerivativeA) + (sumWeight / a);
        sums[4] += (count * constants.DerivativeB) - (sumWeight / bx1);
    }

    /// <summary>The x-only parts of ℓ and its gradient, hoisted out of the per-customer loop.</summary>
    private readonly record struct GroupConstants(
        double LogLikelihood, double LogOdds, double DerivativeR, double DerivativeA, double DerivativeB)
    {
        public static GroupConstants For(int x, double r, double a, double b)
        {
            if (x == 0)
            {
                return default;
            }

            var logBetaRatio = SpecialFunctions.GammaLn(a + b) + SpecialFunctions.GammaLn(b + x)
                - SpecialFunctions.GammaLn(b) - SpecialFunctions.GammaLn(a + b + x);
            var psiAb = SpecialFunctions.DiGamma(a + b);
            var psiAbx = SpecialFunctions.DiGamma(a + b + x);
            return new GroupConstants(
                SpecialFunctions.GammaLn(r + x) - SpecialFunctions.GammaLn(r) + logBetaRatio,
                Math.Log((b + x - 1) / a),
                SpecialFunctions.DiGamma(r + x) - SpecialFunctions.DiGamma(r),
                psiAb - psiAbx,
                psiAb + SpecialFunctions.DiGamma(b + x) - SpecialFunctions.DiGamma(b) - psiAbx);
        }
    }
}
