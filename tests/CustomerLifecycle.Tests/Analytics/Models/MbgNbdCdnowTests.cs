using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>
/// MBG/NBD on the CDNOW sample calibration summary, held to the estimates of BTYDplus (Platzer's reference
/// implementation: r = 0.525, α = 6.183, a = 0.891, b = 1.614, also asserted by the lifetimes test suite).
/// </summary>
public class MbgNbdCdnowTests
{
    private static readonly Lazy<ModelFitResult<MbgNbdParameters>> PublishedSummaryFit =
        new(() => MbgNbd.Fit(CdnowData.PublishedSummary().Select(row => row.Summary).ToArray()));

    [Fact]
    public void Fit_on_published_summary_csv_reproduces_published_parameters()
    {
        var fit = PublishedSummaryFit.Value;

        Assert.True(fit.Converged);
        AssertWithin(0.525, fit.Parameters.R);
        AssertWithin(6.183, fit.Parameters.Alpha);
        AssertWithin(0.891, fit.Parameters.A);
        AssertWithin(1.614, fit.Parameters.B);
    }

    [Fact]
    public void Fit_reports_a_standard_error_for_every_parameter()
    {
        var estimates = PublishedSummaryFit.Value.Estimates;

        Assert.Equal(["r", "alpha", "a", "b"], estimates.Select(e => e.Name));
        Assert.All(estimates, e => Assert.InRange(e.StandardError!.Value, 1e-4 * e.Value, 0.5 * e.Value));
    }

    [Theory]
    [InlineData(1.0, 0.053084795263702)]
    [InlineData(32.0, 1.037182832428632)]
    [InlineData(78.0, 1.804757577553151)]
    public void Expected_transactions_of_a_new_customer_match_an_independent_evaluation(double t, double expected)
    {
        // b/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b+1; a+b; t/(α+t))] evaluated with mpmath's hyp2f1 at the published estimates.
        var published = new MbgNbdParameters(0.525, 6.183, 0.891, 1.614);

        Assert.Equal(expected, MbgNbd.ExpectedTransactions(published, t), 1e-9);
    }

    [Fact]
    public void A_brand_new_customer_expects_the_unconditional_number()
    {
        var published = new MbgNbdParameters(0.525, 6.183, 0.891, 1.614);

        Assert.Equal(
            MbgNbd.ExpectedTransactions(published, 39),
            MbgNbd.ConditionalExpectedTransactions(published, new CustomerSummary(0, 0, 0), 39),
            12);
    }

    [Fact]
    public void One_time_buyers_are_not_all_alive()
    {
        var parameters = PublishedSummaryFit.Value.Parameters;

        var oneTimeBuyer = MbgNbd.ProbabilityAlive(parameters, new CustomerSummary(0, 0, 38.86));

        Assert.InRange(oneTimeBuyer, 0.01, 0.99);
    }

    [Fact]
    public void Analytic_gradient_matches_central_differences()
    {
        var customers = CdnowData.PublishedSummary().Select(row => row.Summary).Take(300).ToArray();
        double[] at = [0.525, 6.183, 0.891, 1.614];
        var (_, gradient) = MbgNbd.LogLikelihoodWithGradient(new MbgNbdParameters(at[0], at[1], at[2], at[3]), customers);

        for (var i = 0; i < at.Length; i++)
        {
            var above = at.ToArray();
            var below = at.ToArray();
            above[i] *= 1 + 1e-6;
            below[i] *= 1 - 1e-6;
            var numeric = (MbgNbd.LogLikelihood(new MbgNbdParameters(above[0], above[1], above[2], above[3]), customers)
                - MbgNbd.LogLikelihood(new MbgNbdParameters(below[0], below[1], below[2], below[3]), customers)) / (2e-6 * at[i]);
            Assert.Equal(numeric, gradient[i], 3);
        }
    }

    [Fact]
    public void Total_log_likelihood_is_the_sum_over_customers()
    {
        var customers = CdnowData.PublishedSummary().Select(row => row.Summary).Take(50).ToArray();
        var parameters = new MbgNbdParameters(0.525, 6.183, 0.891, 1.614);

        Assert.Equal(customers.Sum(c => MbgNbd.LogLikelihood(parameters, c)), MbgNbd.LogLikelihood(parameters, customers), 9);
    }

    private static void AssertWithin(double published, double actual) =>
        Assert.InRange(actual, published * 0.995, published * 1.005);
}
