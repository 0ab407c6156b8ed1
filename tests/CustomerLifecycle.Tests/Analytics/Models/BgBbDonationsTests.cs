using CustomerLifecycle.Analytics.Models;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>
/// BG/BB on the donation data of Fader, Hardie &amp; Shang (2010): the 11,104 members of a charity's 1995 cohort who
/// could give once a year, summarised by (x, t_x) over n = 6 opportunities (1996–2001). The data is Bruce Hardie's
/// (brucehardie.com/datasets), as shipped with the lifetimes library (lifetimes/datasets/donations.csv). The published
/// values: α = 1.204, β = 0.750, γ = 0.657, δ = 2.783 (the paper, and the lifetimes test suite); P(alive in 2002) of
/// 0.11, 0.59 and 0.93 for (x, t_x) = (0, 0), (2, 4), (6, 6) (the paper's Table 6); 12,884.2 donations expected from
/// the cohort over 2002–2006 and 3,454.9 members expected never to give again and 1,253.1 every year in 1996–2001 (the
/// paper's spreadsheet, BGBB_2011-01-20.xlsx, as the lifetimes tests quote it).
/// </summary>
public class BgBbDonationsTests(ITestOutputHelper output)
{
    /// <summary>frequency, recency, n = 6, members.</summary>
    public static readonly IReadOnlyList<(DiscreteSummary Summary, int Count)> Donations =
    [
        .. new (int X, int Tx, int Count)[]
        {
            (0, 0, 3464), (1, 1, 1091), (1, 2, 277), (1, 3, 129), (1, 4, 78), (1, 5, 119), (1, 6, 129),
            (2, 2, 613), (2, 3, 255), (2, 4, 155), (2, 5, 173), (2, 6, 234), (3, 3, 322), (3, 4, 181), (3, 5, 225), (3, 6, 357),
            (4, 4, 240), (4, 5, 284), (4, 6, 512), (5, 5, 335), (5, 6, 728), (6, 6, 1203),
        }.Select(r => (new DiscreteSummary(r.X, r.Tx, 6), r.Count)),
    ];

    private static readonly Lazy<ModelFitResult<BgBbParameters>> Fitted = new(() => BgBb.Fit(Donations));

    private static void Within(double published, double actual, double relative) =>
        Assert.InRange(actual, published * (1 - relative), published * (1 + relative));

    [Fact]
    public void Fits_the_published_parameters_within_half_a_percent()
    {
        var fit = Fitted.Value;
        output.WriteLine(string.Join(", ", fit.Estimates.Select(e => FormattableString.Invariant($"{e.Name} = {e.Value:F4} ± {e.StandardError:F4}"))) + FormattableString.Invariant($"; ln L = {fit.LogLikelihood:F2}"));

        Assert.Equal(11_104, Donations.Sum(d => d.Count));
        Assert.True(fit.Converged);
        Within(1.204, fit.Parameters.Alpha, 0.005);
        Within(0.750, fit.Parameters.Beta, 0.005);
        Within(0.657, fit.Parameters.Gamma, 0.005);
        Within(2.783, fit.Parameters.Delta, 0.005);
        Assert.All(fit.Estimates, e => Assert.True(e.StandardError is > 0, $"{e.Name} has no standard error"));
    }

    [Theory]
    [InlineData(0, 0, 0.11)]
    [InlineData(2, 4, 0.59)]
    [InlineData(6, 6, 0.93)]
    public void Gives_the_published_chance_of_being_alive_in_2002(int x, int tx, double published)
    {
        Assert.Equal(published, BgBb.ProbabilityAlive(Fitted.Value.Parameters, new DiscreteSummary(x, tx, 6)), 2);
    }

    [Fact]
    public void Expects_the_published_donations_over_the_next_five_years()
    {
        var expected = Donations.Sum(d => d.Count * BgBb.ConditionalExpectedTransactions(Fitted.Value.Parameters, d.Summary, 5));

        Assert.Equal(12_884.2, expected, 1.0);
    }

    [Fact]
    public void Expects_the_published_numbers_of_members_giving_never_and_every_year()
    {
        var p = Fitted.Value.Parameters;

        Assert.Equal(3_454.9, 11_104 * BgBb.ProbabilityOfTransactions(p, 0, 6), 1.0);
        Assert.Equal(1_253.1, 11_104 * BgBb.ProbabilityOfTransactions(p, 6, 6), 1.0);
        Assert.Equal(1, Enumerable.Range(0, 7).Sum(x => BgBb.ProbabilityOfTransactions(p, x, 6)), 12);
    }

    [Fact]
    public void Recovers_simulated_parameters_within_their_standard_errors()
    {
        var truth = new BgBbParameters(1.2, 0.75, 0.65, 2.8);
        var random = new Random(20261204);
        var counts = new Dictionary<DiscreteSummary, int>();
        for (var i = 0; i < 50_000; i++)
        {
            var p = Beta(random, truth.Alpha, truth.Beta);
            var theta = Beta(random, truth.Gamma, truth.Delta);
            int x = 0, tx = 0;
            for (var t = 1; t <= 6; t++)
            {
                if (random.NextDouble() < theta)
                {
                    break;
                }

                if (random.NextDouble() < p)
                {
                    x++;
                    tx = t;
                }
            }

            var summary = new DiscreteSummary(x, tx, 6);
            counts[summary] = counts.GetValueOrDefault(summary) + 1;
        }

        var fit = BgBb.Fit([.. counts.Select(c => (c.Key, c.Value))]);

        double[] expected = [truth.Alpha, truth.Beta, truth.Gamma, truth.Delta];
        Assert.All(fit.Estimates.Zip(expected), pair =>
            Assert.True(Math.Abs(pair.First.Value - pair.Second) < 3 * pair.First.StandardError!.Value,
                $"{pair.First.Name} = {pair.First.Value:G4} ± {pair.First.StandardError:G3}, simulated from {pair.Second}"));
    }

    internal static double Beta(Random random, double a, double b)
    {
        var x = MathNet.Numerics.Distributions.Gamma.Sample(random, a, 1);
        var y = MathNet.Numerics.Distributions.Gamma.Sample(random, b, 1);
        return x / (x + y);
    }
}
