using MathNet.Numerics;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>Small special-function helpers that MathNet.Numerics does not offer for negative or near-pole arguments.</summary>
internal static class NumericFunctions
{
    /// <summary>
    /// ln(1 + x) accurate for tiny x. .NET's <c>double.LogP1</c> is literally <c>Log(x + 1)</c>, which loses
    /// every digit below 1e-16; this uses Goldberg's correction (the rounding of 1 + x cancels in the ratio).
    /// </summary>
    public static double Log1P(double x)
    {
        var u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>sin(πx) with exact argument reduction, so it is accurate next to the integers (the gamma poles).</summary>
    public static double SinPi(double x)
    {
        var nearest = Math.Round(x);
        var fraction = x - nearest;
        var sine = Math.Sin(Math.PI * fraction);
        return Math.IEEERemainder(nearest, 2) == 0 ? sine : -sine;
    }

    public static bool IsNonPositiveInteger(double x) => x <= 0 && x == Math.Floor(x);

    /// <summary>Γ(x) as sign and log-magnitude for any real x that is not a pole.</summary>
    public static SignedLog Gamma(double x)
    {
        if (x > 0)
        {
            return SignedLog.FromLog(SpecialFunctions.GammaLn(x));
        }

        if (IsNonPositiveInteger(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Γ has a pole at the non-positive integers.");
        }

        // Reflection Γ(x) = π / (sin(πx) Γ(1 − x)); MathNet's GammaLn returns NaN where sin(πx) < 0.
        var sine = SinPi(x);
        return new SignedLog(Math.Log(Math.PI / Math.Abs(sine)) - SpecialFunctions.GammaLn(1 - x), Math.Sign(sine));
    }

    /// <summary>1/Γ(x), which is entire: exactly zero at the poles of Γ.</summary>
    public static SignedLog ReciprocalGamma(double x)
    {
        if (IsNonPositiveInteger(x))
        {
            return SignedLog.Zero;
        }

        var gamma = Gamma(x);
        return new SignedLog(-gamma.Log, gamma.Sign);
    }

    /// <summary>Π_{k=0}^{count−1} (x + k)/(y + k), i.e. the ratio of Pochhammer symbols (x)_count/(y)_count.</summary>
    public static SignedLog PochhammerRatio(double x, double y, int count)
    {
        var result = SignedLog.One;
        for (var k = 0; k < count; k++)
        {
            result = result.Multiply(SignedLog.FromDouble((x + k) / (y + k)));
        }

        return result;
    }
}
