using CsCheck;
using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>
/// Random parameters against a plain, long power series in regions where that series is a trustworthy reference.
/// The tolerance is relative to Σ|terms|, the scale of the reference's own rounding error, so cancellation in
/// mixed-sign cases does not make the reference the weak side.
/// </summary>
public class HypergeometricPropertyTests
{
    [Fact]
    public void Gauss2F1_matches_a_long_power_series_for_moderate_arguments()
    {
        Gen.Select(Gen.Double[-4.5, 6], Gen.Double[-4.5, 6], Gen.Double[0.3, 7], Gen.Double[-0.7, 0.7])
            .Sample((a, b, c, z) => AssertMatchesSeries(a, b, c, z, terms: 5_000, tolerance: 1e-12), iter: 2_000, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Gauss2F1_matches_a_long_power_series_close_to_one()
    {
        // z in (0.9, 0.97] exercises the 1 − z connection and logarithmic formulas; 0.97^200000 is far below 1e-16.
        Gen.Select(Gen.Double[-3.5, 4], Gen.Double[0.2, 4], Gen.Double[0.5, 6], Gen.Double[0.9001, 0.97])
            .Sample((a, b, c, z) => AssertMatchesSeries(a, b, c, z, terms: 200_000, tolerance: 1e-10), iter: 300, seed: "0N0XIzNsQ0O2");
    }

    private static void AssertMatchesSeries(double a, double b, double c, double z, int terms, double tolerance)
    {
        double term = 1, sum = 1, absoluteSum = 1;
        for (var n = 0; n < terms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
            absoluteSum += Math.Abs(term);
        }

        var actual = Hypergeometric.Gauss2F1(a, b, c, z);
        Assert.True(
            Math.Abs(actual - sum) <= tolerance * absoluteSum,
            $"F({a:R}, {b:R}; {c:R}; {z:R}) = {actual:R}, series {sum:R}, Σ|t| {absoluteSum:R}");
    }
}
