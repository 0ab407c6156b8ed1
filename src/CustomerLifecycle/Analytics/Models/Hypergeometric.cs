using MathNet.Numerics;
using static CustomerLifecycle.Analytics.Models.NumericFunctions;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// The Gauss hypergeometric function ₂F₁(a, b; c; z) for real arguments, z ≤ 1 (MathNet.Numerics has none).
/// </summary>
/// <remarks>
/// Convergence strategy (all references to DLMF chapter 15 / Abramowitz &amp; Stegun 15.3):
/// <list type="number">
/// <item>a or b a non-positive integer: the series is a polynomial and is summed term by term; when that
/// cancels (alternating terms near z = 1) the Pfaff form keeping the integer parameter, whose terms keep one
/// sign, and the reversed polynomial in 1 − z (DLMF 15.8.7) are tried as well.</item>
/// <item>z &lt; 0: Pfaff's transformation (DLMF 15.8.1) maps z to z/(z − 1) ∈ (0, 1).</item>
/// <item>0 &lt; z ≤ 0.9: the power series, which converges at least as fast as 0.9ⁿ. Of the series for
/// F(a, b; c; z) and its Euler transform (1 − z)^(c−a−b) F(c−a, c−b; c; z) the one with the smaller numerator
/// parameters is tried first: for the BG/NBD arguments (r+x, b+x; a+b+x−1) that replaces numerators in the
/// hundreds by a+b−1−r and a−1, so the series needs a few dozen terms instead of thousands.</item>
/// <item>0.9 &lt; z &lt; 1: the connection formula to 1 − z &lt; 0.1 (DLMF 15.8.4, A&amp;S 15.3.6), whose two
/// series converge like 0.1ⁿ. When d = c − a − b is within 1e-8 of an integer the gamma factors Γ(±d) blow up
/// and cancel, so the logarithmic form DLMF 15.8.10 (A&amp;S 15.3.10–11) is used at the integer (after an Euler
/// transformation when d &lt; 0); that costs at most ~1e-8 relative error, the balance point between it and
/// the cancellation of the generic formula.</item>
/// <item>Every candidate returns a condition number (Σ|terms|/|sum|). When the chosen formula has cancelled
/// more than five digits the equivalent alternative (the other Euler form, or the plain power series near 1,
/// whose terms keep one sign for positive parameters) is evaluated too and the better conditioned one wins.
/// If even the best has lost more than ten digits the function throws rather than return noise.</item>
/// </list>
/// All gamma-function factors and series scales are combined in log space (<see cref="SignedLog"/>), so huge
/// intermediate factors such as (1 − z)^(c−a−b) with c−a−b ≈ −300 do not overflow.
/// </remarks>
public static class Hypergeometric
{
    private const double DirectSeriesLimit = 0.9;
    private const double IntegerTolerance = 1e-8;
    private const double AcceptableCondition = 1e5;
    private const double MaximumCondition = 1e10;

    /// <summary>₂F₁(a, b; c; z) for real a, b, c and z ≤ 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An argument is infinite, z &gt; 1 (branch cut), or c is a non-positive integer and the series does not terminate first.</exception>
    /// <exception cref="InvalidOperationException">
    /// No formula keeps six significant digits (condition number above 1e10) or the series did not converge. This
    /// happens only for large parameters of opposite sign, e.g. F(50.25, −49.25; 1.5; z) whose terms alternate
    /// and are many orders of magnitude larger than the result; the BG/NBD arguments are all positive and far from it.
    /// </exception>
    /// <returns>The value (NaN when an argument is NaN); ±∞ when it exceeds the double range, or at z = 1 when c − a − b ≤ 0.</returns>
    public static double Gauss2F1(double a, double b, double c, double z) =>
        double.IsNaN(a) || double.IsNaN(b) || double.IsNaN(c) || double.IsNaN(z)
            ? double.NaN
            : Estimate(a, b, c, z).Value.ToDouble();

    /// <summary>₂F₁ in sign/log form, for callers that multiply it by powers that would underflow on their own.</summary>
    internal static HypergeometricEstimate Estimate(double a, double b, double c, double z)
    {
        if (!double.IsFinite(a) || !double.IsFinite(b) || !double.IsFinite(c) || !double.IsFinite(z))
        {
            throw new ArgumentOutOfRangeException(nameof(z), "₂F₁ needs finite arguments.");
        }

        if (z > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, "₂F₁ is real-valued here only for z ≤ 1 (branch cut beyond 1).");
        }

        if (IsNonPositiveInteger(c) && !TerminatesBeforePole(a, b, c))
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "₂F₁ is undefined when c is a non-positive integer.");
        }

        var estimate = Evaluate(a, b, c, z);
        if (!estimate.Converged || (estimate.Condition > MaximumCondition && estimate.Value.Sign != 0))
        {
            throw new InvalidOperationException(FormattableString.Invariant(
                $"₂F₁({a}, {b}; {c}; {z}) cannot be evaluated to six significant digits in double precision (condition {estimate.Condition:E1})."));
        }

        return estimate;
    }

    private static HypergeometricEstimate Evaluate(double a, double b, double c, double z)
    {
        if (z == 0 || a == 0 || b == 0)
        {
            return HypergeometricEstimate.Exact(SignedLog.One);
        }

        if (IsNonPositiveInteger(a) || IsNonPositiveInteger(b))
        {
            return Polynomial(a, b, c, z);
        }

        if (z == 1)
        {
            return HypergeometricEstimate.Exact(AtOne(a, b, c));
        }

        if (z < 0)
        {
            return Pfaff(a, b, c, z);
        }

        return z <= DirectSeriesLimit ? PowerSeries(a, b, c, z) : NearOne(a, b, c, z);
    }

    private static bool TerminatesBeforePole(double a, double b, double c) =>
        (IsNonPositiveInteger(a) && a >= c) || (IsNonPositiveInteger(b) && b >= c);

    /// <summary>Gauss's sum F(a, b; c; 1) = Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b)) for c − a − b &gt; 0 (DLMF 15.4.20).</summary>
    private static SignedLog AtOne(double a, double b, double c)
    {
        var d = c - a - b;
        if (d > 0)
        {
            return Gamma(c).Multiply(Gamma(d)).Multiply(ReciprocalGamma(c - a)).Multiply(ReciprocalGamma(c - b));
        }

        // Divergent: the terms end up with the sign of Γ(c)/(Γ(a)Γ(b)) (DLMF 15.4.21–23).
        var sign = Gamma(c).Multiply(ReciprocalGamma(a)).Multiply(ReciprocalGamma(b)).Sign;
        return new SignedLog(double.PositiveInfinity, sign == 0 ? 1 : sign);
    }

    /// <summary>Pfaff (DLMF 15.8.1): F = (1−z)^(−a) F(a, c−b; c; z/(z−1)) = (1−z)^(−b) F(c−a, b; c; z/(z−1)).</summary>
    private static HypergeometricEstimate Pfaff(double a, double b, double c, double z)
    {
        var w = z / (z - 1);
        var logOneMinusZ = Log1P(-z);
        var keepA = IsNonPositiveInteger(c - b)
            || (!IsNonPositiveInteger(c - a) && Math.Abs(a) + Math.Abs(c - b) <= Math.Abs(b) + Math.Abs(c - a));
        return keepA
            ? Evaluate(a, c - b, c, w).Scale(SignedLog.FromLog(-a * logOneMinusZ))
            : Evaluate(c - a, b, c, w).Scale(SignedLog.FromLog(-b * logOneMinusZ));
    }

    private static HypergeometricEstimate PowerSeries(double a, double b, double c, double z)
    {
        var eulerFirst = Math.Abs(c - a) + Math.Abs(c - b) < Math.Abs(a) + Math.Abs(b);
        var first = eulerFirst ? EulerSeries(a, b, c, z) : HypergeometricSeries.Gauss(a, b, c, z);
        if (first.Condition <= AcceptableCondition)
        {
            return first;
        }

        var second = eulerFirst ? HypergeometricSeries.Gauss(a, b, c, z) : EulerSeries(a, b, c, z);
        return HypergeometricEstimate.Better(first, second);
    }

    /// <summary>Euler (DLMF 15.8.1): F(a, b; c; z) = (1 − z)^(c−a−b) F(c−a, c−b; c; z).</summary>
    private static HypergeometricEstimate EulerSeries(double a, double b, double c, double z) =>
        HypergeometricSeries.Gauss(c - a, c - b, c, z).Scale(SignedLog.FromLog((c - a - b) * Log1P(-z)));

    /// <summary>
    /// A terminating series (a or b = −n). Summed directly, but for 0 &lt; z its terms alternate and can cancel
    /// badly near z = 1, so two exact rewrites are also tried: Pfaff keeping −n, (1−z)ⁿ F(−n, c−b; c; z/(z−1)),
    /// whose terms keep one sign when c − b, c &gt; 0 (DLMF 15.8.1), and the reversed polynomial in 1 − z,
    /// (c−b)_n/(c)_n F(−n, b; b−c−n+1; 1−z) (DLMF 15.8.7), when none of its Pochhammer symbols vanish.
    /// </summary>
    private static HypergeometricEstimate Polynomial(double a, double b, double c, double z)
    {
        var (degree, other) = IsNonPositiveInteger(a) && (!IsNonPositiveInteger(b) || a >= b) ? (-a, b) : (-b, a);
        var n = (int)degree;
        var denominatorVanishes = IsNonPositiveInteger(c) && -c < n;
        if (z == 1 && !denominatorVanishes)
        {
            // Chu–Vandermonde (DLMF 15.4.24).
            return HypergeometricEstimate.Exact(PochhammerRatio(c - other, c, n));
        }

        var direct = HypergeometricSeries.Gauss(a, b, c, z);
        if (direct.Condition <= AcceptableCondition || z <= 0 || z == 1)
        {
            return direct;
        }

        var pfaff = HypergeometricSeries.Gauss(-n, c - other, c, z / (z - 1)).Scale(SignedLog.FromLog(n * Log1P(-z)));
        var best = HypergeometricEstimate.Better(direct, pfaff);
        var reversedC = other - c - n + 1;
        var singular = denominatorVanishes || (IsNonPositiveInteger(reversedC) && -reversedC < n);
        if (best.Condition <= AcceptableCondition || singular)
        {
            return best;
        }

        var reversed = HypergeometricSeries.Gauss(-n, other, reversedC, 1 - z).Scale(PochhammerRatio(c - other, c, n));
        return HypergeometricEstimate.Better(best, reversed);
    }

    private static HypergeometricEstimate NearOne(double a, double b, double c, double z)
    {
        var w = 1 - z;
        var d = c - a - b;
        var m = Math.Round(d);
        HypergeometricEstimate estimate;
        if (Math.Abs(d - m) >= IntegerTolerance)
        {
            estimate = Connection(a, b, c, d, w);
        }
        else if (m < 0)
        {
            // Euler turns c − a − b = −m into +m, where the logarithmic formula applies.
            estimate = Evaluate(c - a, c - b, c, z).Scale(SignedLog.FromLog(d * Math.Log(w)));
        }
        else
        {
            estimate = LogarithmicCase(a, b, (int)m, w);
        }

        // The power series still converges below 1 and sums without cancellation when its terms keep one sign;
        // it is worth its ~40/(1 − z) terms only when the connection formula has lost digits.
        if (estimate.Condition <= AcceptableCondition || 40 / w > HypergeometricSeries.MaximumTerms)
        {
            return estimate;
        }

        return HypergeometricEstimate.Better(estimate, PowerSeries(a, b, c, z));
    }

    /// <summary>
    /// DLMF 15.8.4 / A&amp;S 15.3.6 with w = 1 − z:
    /// F = Γ(c)Γ(d)/(Γ(c−a)Γ(c−b)) F(a, b; 1−d; w) + w^d Γ(c)Γ(−d)/(Γ(a)Γ(b)) F(c−a, c−b; 1+d; w).
    /// </summary>
    private static HypergeometricEstimate Connection(double a, double b, double c, double d, double w)
    {
        var gammaC = Gamma(c);
        var first = Evaluate(a, b, 1 - d, w)
            .Scale(gammaC.Multiply(Gamma(d)).Multiply(ReciprocalGamma(c - a)).Multiply(ReciprocalGamma(c - b)));
        var second = Evaluate(c - a, c - b, 1 + d, w)
            .Scale(gammaC.Multiply(Gamma(-d)).Multiply(ReciprocalGamma(a)).Multiply(ReciprocalGamma(b)))
            .Scale(SignedLog.FromLog(d * Math.Log(w)));
        return HypergeometricEstimate.Sum(first, second);
    }

    /// <summary>
    /// DLMF 15.8.10 (A&amp;S 15.3.10–11) for c = a + b + m, m = 0, 1, 2, …:
    /// F = Γ(c)/(Γ(a+m)Γ(b+m)) Σ_{k&lt;m} (a)_k(b)_k (m−k−1)!/k! (z−1)^k
    ///   − Γ(c)(z−1)^m/(Γ(a)Γ(b)) Σ_k (a+m)_k(b+m)_k/(k!(k+m)!) w^k [ln w − ψ(k+1) − ψ(k+m+1) + ψ(a+k+m) + ψ(b+k+m)].
    /// </summary>
    private static HypergeometricEstimate LogarithmicCase(double a, double b, int m, double w)
    {
        var gammaC = Gamma(a + b + m);
        var infinite = HypergeometricSeries.LogarithmicCaseInfinitePart(a, b, m, w)
            .Scale(gammaC.Multiply(ReciprocalGamma(a)).Multiply(ReciprocalGamma(b)))
            .Scale(new SignedLog((m * Math.Log(w)) - SpecialFunctions.FactorialLn(m), m % 2 == 0 ? -1 : 1));
        if (m == 0)
        {
            return infinite;
        }

        var finite = HypergeometricSeries.LogarithmicCaseFinitePart(a, b, m, w)
            .Scale(gammaC.Multiply(ReciprocalGamma(a + m)).Multiply(ReciprocalGamma(b + m)))
            .Scale(SignedLog.FromLog(SpecialFunctions.FactorialLn(m - 1)));
        return HypergeometricEstimate.Sum(finite, infinite);
    }
}
