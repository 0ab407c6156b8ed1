using CustomerLifecycle.Analytics.Models;
using MathNet.Numerics;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class HypergeometricTests
{
    [Theory]
    [InlineData(-20)]
    [InlineData(-0.5)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.95)]
    [InlineData(0.999999)]
    [InlineData(1 - 1e-12)]
    public void Gauss2F1_of_1_1_2_is_minus_log_one_minus_z_over_z(double z)
    {
        AssertRelative(-Math.Log(1 - z) / z, Hypergeometric.Gauss2F1(1, 1, 2, z), 1e-13);
    }

    [Theory]
    [InlineData(-3)]
    [InlineData(0.3)]
    [InlineData(0.93)]
    [InlineData(0.9999)]
    public void Gauss2F1_with_c_minus_a_minus_b_equal_one_uses_the_logarithmic_case(double z)
    {
        // F(1,1;3;z) = Σ 2zⁿ/((n+1)(n+2)) = 2[−ln(1−z)/z + (ln(1−z) + z)/z²]; c − a − b = 1 exactly.
        var log = Math.Log(1 - z);
        AssertRelative(2 * ((-log / z) + ((log + z) / (z * z))), Hypergeometric.Gauss2F1(1, 1, 3, z), 1e-12);
    }

    [Theory]
    [InlineData(2.5, 1.3, -50)]
    [InlineData(2.5, 1.3, 0.5)]
    [InlineData(2.5, 1.3, 0.999999)]
    [InlineData(-3, 1.3, 0.999999)]
    [InlineData(150, 1.7, 0.95)]
    [InlineData(-40.5, 3, 0.97)]
    public void Gauss2F1_with_c_equal_b_is_a_power_of_one_minus_z(double a, double b, double z)
    {
        AssertRelative(Math.Pow(1 - z, -a), Hypergeometric.Gauss2F1(a, b, b, z), 1e-12);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.5)]
    [InlineData(0.9409)]
    [InlineData(0.99999)]
    public void Gauss2F1_of_half_half_three_halves_is_arcsine(double y)
    {
        // F(½,½;3/2;s²) = asin(s)/s; asin via atan2 with the exact 1 − y keeps the reference accurate near 1.
        var s = Math.Sqrt(y);
        AssertRelative(Math.Atan2(s, Math.Sqrt(1 - y)) / s, Hypergeometric.Gauss2F1(0.5, 0.5, 1.5, y), 1e-13);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(0.95)]
    [InlineData(1 - 1e-10)]
    public void Gauss2F1_of_half_one_three_halves_is_inverse_hyperbolic_tangent(double y)
    {
        // F(½,1;3/2;s²) = atanh(s)/s = [ln(1+s) − ½ ln(1 − s²)]/s, where c − a − b = 0.
        var s = Math.Sqrt(y);
        AssertRelative((Math.Log(1 + s) - (0.5 * Math.Log(1 - y))) / s, Hypergeometric.Gauss2F1(0.5, 1, 1.5, y), 1e-12);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Gauss2F1_at_negative_argument_is_arctangent(double s)
    {
        AssertRelative(Math.Atan(s) / s, Hypergeometric.Gauss2F1(0.5, 1, 1.5, -s * s), 1e-13);
    }

    [Theory]
    [InlineData(2.0, 1.2)]
    [InlineData(-7.3, 1.5)]
    [InlineData(50.25, 1.5)]
    [InlineData(50.25, 1.5707)]
    public void Gauss2F1_with_opposite_large_parameters_near_one_matches_the_sine_formula(double a, double x)
    {
        // DLMF 15.4.16: F(a, 1−a; 3/2; sin²x) = sin((2a−1)x)/((2a−1) sin x).
        var sine = Math.Sin(x);
        AssertRelative(Math.Sin(((2 * a) - 1) * x) / (((2 * a) - 1) * sine), Hypergeometric.Gauss2F1(a, 1 - a, 1.5, sine * sine), 1e-9);
    }

    [Theory]
    [InlineData(60.3, 0.99)]
    [InlineData(7.1, 0.3)]
    public void Gauss2F1_with_large_parameters_near_one_matches_the_quadratic_closed_forms(double a, double s)
    {
        // DLMF 15.4.11 and 15.4.12; here c − a − b = −2a and 1 − 2a, far from 0, so the connection formula runs.
        var even = 0.5 * (Math.Pow(1 + s, -2 * a) + Math.Pow(1 - s, -2 * a));
        var odd = (Math.Pow(1 + s, 1 - (2 * a)) - Math.Pow(1 - s, 1 - (2 * a))) / (2 * s * (1 - (2 * a)));
        AssertRelative(even, Hypergeometric.Gauss2F1(a, a + 0.5, 0.5, s * s), 1e-11);
        AssertRelative(odd, Hypergeometric.Gauss2F1(a, a + 0.5, 1.5, s * s), 1e-11);
    }

    [Fact]
    public void Gauss2F1_with_bgnbd_arguments_for_a_heavy_buyer_near_one_matches_the_plain_series()
    {
        // The BG/NBD conditional expectation for x = 60 repeat purchases over a long horizon: every term of the
        // plain series is positive, so a long brute-force sum is an exact-enough reference for the fast path.
        double r = 0.243, a = 0.793, b = 2.426, x = 60, z = 0.98;
        var expected = BruteForce(r + x, b + x, a + b + x - 1, z, terms: 400_000);
        AssertRelative(expected, Hypergeometric.Gauss2F1(r + x, b + x, a + b + x - 1, z), 1e-11);
    }

    [Fact]
    public void Gauss2F1_at_one_is_gauss_sum()
    {
        var expected = SpecialFunctions.Gamma(2) * SpecialFunctions.Gamma(1.25)
            / (SpecialFunctions.Gamma(1.5) * SpecialFunctions.Gamma(1.75));
        AssertRelative(expected, Hypergeometric.Gauss2F1(0.5, 0.25, 2, 1), 1e-14);
        Assert.Equal(double.PositiveInfinity, Hypergeometric.Gauss2F1(1, 1, 2, 1));
    }

    [Fact]
    public void Gauss2F1_rejects_arguments_outside_its_real_domain()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Hypergeometric.Gauss2F1(1, 1, 2, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hypergeometric.Gauss2F1(1, 1, -2, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Hypergeometric.Gauss2F1(1, double.PositiveInfinity, 2, 0.5));
        Assert.True(double.IsNaN(Hypergeometric.Gauss2F1(double.NaN, 1, 2, 0.5)));
    }

    [Fact]
    public void Gauss2F1_terminating_series_with_non_positive_integer_c_is_the_truncated_polynomial()
    {
        // F(−2, b; −3; z) = 1 + (−2)b z/(−3) + (−2)(−1)b(b+1)z²/((−3)(−2)·2)
        double b = 1.5, z = 0.4;
        var expected = 1 + (2.0 * b * z / 3) + (b * (b + 1) * z * z / 6);
        AssertRelative(expected, Hypergeometric.Gauss2F1(-2, b, -3, z), 1e-15);
    }

    [Fact]
    public void Gauss2F1_refuses_a_value_that_cancellation_would_destroy()
    {
        // F(50.25, −49.25; 3/2; sin² 1.2) has alternating terms ~10²⁰ times its value 2.1e-4 in every form.
        var z = Math.Pow(Math.Sin(1.2), 2);
        Assert.Throws<InvalidOperationException>(() => Hypergeometric.Gauss2F1(50.25, -49.25, 1.5, z));
    }

    internal static double BruteForce(double a, double b, double c, double z, int terms)
    {
        double term = 1, sum = 1;
        for (var n = 0; n < terms; n++)
        {
            term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z;
            sum += term;
        }

        return sum;
    }

    internal static void AssertRelative(double expected, double actual, double tolerance)
    {
        var error = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(error <= tolerance, $"expected {expected:R}, got {actual:R} (relative error {error:E2} > {tolerance:E0})");
    }
}
