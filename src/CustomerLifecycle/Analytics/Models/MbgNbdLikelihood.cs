using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// The MBG/NBD log-likelihood of distinct customer summaries with its analytic gradient. Terms that depend only on
/// the repeat count x (the gamma and beta ratios and their digammas) are computed once per distinct x.
/// </summary>
internal sealed class MbgNbdLikelihood(WeightedSummaries summaries)
{
    public WeightedSummaries Summaries { get; } = summaries;

    /// <summary>
    /// ℓ = C(x) + log(e^A₃ + e^A₄), A₃ = −(r+x) ln(α+T), A₄ = ln a − ln(b+x) − (r+x) ln(α+t_x); w = e^A₄/(e^A₃ + e^A₄)
    /// is the posterior weight of "dropped out after the last purchase" and every derivative of the log-sum-exp
    /// is a w-weighted mix of the two branches.
    /// </summary>
    public double Evaluate(double r, double alpha, double a, double b, Span<double> gradient)
    {
        var byFrequency = new Dictionary<int, (double Constant, double DerivativeR, double DerivativeA, double DerivativeB)>();
        var logAlpha = Math.Log(alpha);
        double total = 0, dr = 0, dalpha = 0, da = 0, db = 0;
        var customers = Summaries.Summaries;
        for (var i = 0; i < customers.Length; i++)
        {
            var customer = customers[i];
            var x = customer.Frequency;
            if (!byFrequency.TryGetValue(x, out var constants))
            {
                var psiAb = SpecialFunctions.DiGamma(a + b);
                var psiAbx = SpecialFunctions.DiGamma(a + b + x + 1);
                constants = (
                    SpecialFunctions.GammaLn(r + x) - SpecialFunctions.GammaLn(r) + SpecialFunctions.GammaLn(a + b)
                        + SpecialFunctions.GammaLn(b + x + 1) - SpecialFunctions.GammaLn(b) - SpecialFunctions.GammaLn(a + b + x + 1),
                    SpecialFunctions.DiGamma(r + x) - SpecialFunctions.DiGamma(r),
                    psiAb - psiAbx,
                    psiAb + SpecialFunctions.DiGamma(b + x + 1) - SpecialFunctions.DiGamma(b) - psiAbx);
                byFrequency.Add(x, constants);
            }

            var rx = r + x;
            var shiftedAge = alpha + customer.T;
            var shiftedRecency = alpha + customer.Recency;
            var logAge = Math.Log(shiftedAge);
            var logRecency = Math.Log(shiftedRecency);
            var alive = -rx * logAge;
            var dropped = Math.Log(a / (b + x)) - (rx * logRecency);
            var larger = Math.Max(alive, dropped);
            var eAlive = Math.Exp(alive - larger);
            var eDropped = Math.Exp(dropped - larger);
            var weight = eDropped / (eAlive + eDropped);
            var count = Summaries.Weights[i];
            total += count * (constants.Constant + larger + Math.Log(eAlive + eDropped));
            dr += count * (constants.DerivativeR - logAge - (weight * (logRecency - logAge)));
            dalpha -= count * rx * (((1 - weight) / shiftedAge) + (weight / shiftedRecency));
            da += count * (constants.DerivativeA + (weight / a));
            db += count * (constants.DerivativeB - (weight / (b + x)));
        }

        var n = Summaries.Count;
        gradient[0] = dr + (n * logAlpha);
        gradient[1] = dalpha + (n * r / alpha);
        gradient[2] = da;
        gradient[3] = db;
        return total + (n * r * logAlpha);
    }
}
