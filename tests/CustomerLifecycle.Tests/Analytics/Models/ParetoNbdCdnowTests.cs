using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>
/// Pareto/NBD on the CDNOW sample calibration summary, held to the published maximum-likelihood estimates:
/// r = 0.553, α = 10.578, s = 0.606, β = 11.669, ℓ = −9594.98 (Fader &amp; Hardie 2005, "A note on implementing the
/// Pareto/NBD model in MATLAB"; the same values are asserted by the BTYD and lifetimes test suites), and to BTYD's
/// published predictions at those estimates (BTYD reference manual and walkthrough vignette).
/// </summary>
public class ParetoNbdCdnowTests
{
    private static readonly Lazy<ModelFitResult<ParetoNbdParameters>> PublishedSummaryFit =
        new(() => ParetoNbd.Fit(CdnowData.PublishedSummary().Select(row => row.Summary).ToArray()));

    [Fact]
    public void Fit_on_published_summary_csv_reproduces_published_parameters_and_log_likelihood()
    {
        var fit = PublishedSummaryFit.Value;

        Assert.True(fit.Converged);
        AssertWithin(0.553, fit.Parameters.R);
        AssertWithin(10.578, fit.Parameters.Alpha);
        AssertWithin(0.606, fit.Parameters.S);
        AssertWithin(11.669, fit.Parameters.Beta);
        Assert.Equal(-9594.98, fit.LogLikelihood, 0.05);
    }

    [Fact]
    public void Fit_reports_a_standard_error_for_every_parameter()
    {
        var estimates = PublishedSummaryFit.Value.Estimates;

        Assert.Equal(["r", "alpha", "s", "beta"], estimates.Select(e => e.Name));
        // β is the least identified: its standard error is about half of its value on this sample.
        Assert.All(estimates, e => Assert.InRange(e.StandardError!.Value, 1e-4 * e.Value, e.Value));
    }

    [Fact]
    public void Expected_transactions_of_a_new_customer_match_btyd()
    {
        // BTYD's pnbd.Expectation at its example parameters (0.55, 10.56, 0.61, 11.64), t = 0..9 weeks.
        double[] expected = [0, 0.05077821, 0.09916088, 0.14542507, 0.18979930, 0.23247466, 0.27361274, 0.31335159, 0.35181024, 0.38909211];
        var parameters = new ParetoNbdParameters(0.55, 10.56, 0.61, 11.64);

        for (var t = 0; t < expected.Length; t++)
        {
            Assert.Equal(expected[t], ParetoNbd.ExpectedTransactions(parameters, t), 1e-8);
        }
    }

    [Fact]
    public void Heavy_recent_buyer_expectation_matches_the_btyd_walkthrough()
    {
        var customer = new CustomerSummary(26, 30.86, 31);

        Assert.Equal(25.46, ParetoNbd.ConditionalExpectedTransactions(PublishedSummaryFit.Value.Parameters, customer, 52), 0.01);
    }

    [Fact]
    public void One_time_buyers_are_not_all_alive_and_long_silence_lowers_the_chance()
    {
        var parameters = PublishedSummaryFit.Value.Parameters;

        var recent = ParetoNbd.ProbabilityAlive(parameters, new CustomerSummary(0, 0, 2));
        var silent = ParetoNbd.ProbabilityAlive(parameters, new CustomerSummary(0, 0, 38.86));

        Assert.InRange(silent, 0.01, 0.99);
        Assert.True(recent > silent);
    }

    private static void AssertWithin(double published, double actual) =>
        Assert.InRange(actual, published * 0.995, published * 1.005);
}
