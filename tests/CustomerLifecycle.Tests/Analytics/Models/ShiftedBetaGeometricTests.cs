using CustomerLifecycle.Analytics.Models;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>
/// sBG on the two subscription cohorts of Fader &amp; Hardie (2007), "How to project customer retention" (from Berry &amp;
/// Linoff): 1,000 "regular" and 1,000 "high end" customers, with the survivors of each of 12 yearly renewals. Fitted
/// on the first 7 years, the paper reports α = 0.704, β = 1.182 (regular) and α = 0.668, β = 3.806 (high end);
/// the same values are the reference of jdmaturen/shifted_beta_geometric_py and of pymc-marketing's sBG notebook.
/// </summary>
public class ShiftedBetaGeometricTests(ITestOutputHelper output)
{
    public static readonly int[] Regular = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173];

    public static readonly int[] HighEnd = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394];

    private static void Within(double published, double actual, double relative) =>
        Assert.InRange(actual, published * (1 - relative), published * (1 + relative));

    [Theory]
    [InlineData("regular", 0.704, 1.182)]
    [InlineData("high end", 0.668, 3.806)]
    public void Fits_the_published_parameters_on_seven_years_within_half_a_percent(string cohort, double alpha, double beta)
    {
        var survivors = (cohort == "regular" ? Regular : HighEnd)[..8];

        var fit = ShiftedBetaGeometric.Fit([survivors]);
        output.WriteLine(cohort + ": " + string.Join(", ", fit.Estimates.Select(e => FormattableString.Invariant($"{e.Name} = {e.Value:F4} ± {e.StandardError:F4}"))) + FormattableString.Invariant($"; ln L = {fit.LogLikelihood:F2}"));

        Assert.True(fit.Converged);
        Within(alpha, fit.Parameters.Alpha, 0.005);
        Within(beta, fit.Parameters.Beta, 0.005);
        Assert.All(fit.Estimates, e => Assert.True(e.StandardError is > 0));
    }

    [Fact]
    public void The_log_likelihood_at_one_one_is_the_reference_implementations()
    {
        // jdmaturen's test of the high-end cohort on proportions: ln L(1, 1) = −2.115 per customer, to 0.1 %.
        Assert.Equal(-2.115, ShiftedBetaGeometric.LogLikelihood(new SbgParameters(1, 1), [HighEnd[..8]]) / 1000, 0.0021);
    }

    [Fact]
    public void Projects_the_five_unseen_years_of_the_high_end_cohort_within_two_points()
    {
        var p = ShiftedBetaGeometric.Fit([HighEnd[..8]]).Parameters;

        for (var t = 8; t <= 12; t++)
        {
            Assert.InRange(ShiftedBetaGeometric.Survival(p, t) - (HighEnd[t] / 1000.0), -0.02, 0.02);
        }
    }

    [Fact]
    public void Retention_rises_with_tenure_and_survival_is_its_product()
    {
        var p = new SbgParameters(0.668, 3.806);

        var product = 1.0;
        for (var t = 1; t <= 12; t++)
        {
            product *= ShiftedBetaGeometric.RetentionRate(p, t);
            Assert.Equal(product, ShiftedBetaGeometric.Survival(p, t), 12);
            Assert.True(t == 1 || ShiftedBetaGeometric.RetentionRate(p, t) > ShiftedBetaGeometric.RetentionRate(p, t - 1));
        }
    }

    [Fact]
    public void The_discounted_residual_lifetime_is_the_sum_of_future_survival_discounted_from_the_next_renewal_on()
    {
        var p = new SbgParameters(0.668, 3.806);
        const double d = 0.1;

        for (var n = 0; n <= 5; n++)
        {
            var direct = Enumerable.Range(n + 1, 3000).Sum(t => ShiftedBetaGeometric.Survival(p, t) / ShiftedBetaGeometric.Survival(p, n) / Math.Pow(1 + d, t - n - 1));

            Assert.Equal(direct, ShiftedBetaGeometric.DiscountedExpectedResidualLifetime(p, n, d), 9);
        }
    }

    [Fact]
    public void Recovers_simulated_parameters_within_their_standard_errors()
    {
        var truth = new SbgParameters(0.7, 1.2);
        var random = new Random(20261204);
        var survivors = new int[8];
        for (var i = 0; i < 50_000; i++)
        {
            var theta = BgBbDonationsTests.Beta(random, truth.Alpha, truth.Beta);
            survivors[0]++;
            for (var t = 1; t < survivors.Length && random.NextDouble() >= theta; t++)
            {
                survivors[t]++;
            }
        }

        var fit = ShiftedBetaGeometric.Fit([survivors]);

        Assert.All(fit.Estimates.Zip([truth.Alpha, truth.Beta]), pair =>
            Assert.True(Math.Abs(pair.First.Value - pair.Second) < 3 * pair.First.StandardError!.Value,
                $"{pair.First.Name} = {pair.First.Value:G4} ± {pair.First.StandardError:G3}, simulated from {pair.Second}"));
    }
}
