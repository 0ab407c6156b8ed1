using CustomerLifecycle.Analytics.Models;
using MathNet.Numerics;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class GammaGammaTests
{
    private static readonly GammaGammaParameters Published = new(6.25, 3.74, 15.44);

    /// <summary>
    /// The published fit (Fader &amp; Hardie 2013; FHL 2005 "RFM and CLV") is reproduced with this definition of the
    /// input: the 946 sample customers with at least one repeat transaction in the calibration period (1997-01-01 to
    /// 1997-09-30), m̄ = mean value of those repeat transactions, where one transaction is one purchase day with the
    /// day's purchases summed. The first (acquisition) purchase and holdout purchases are excluded.
    /// </summary>
    [Fact]
    public void Fit_on_cdnow_repeat_customers_reproduces_published_parameters()
    {
        var spend = CdnowData.SampleCalibrationSummary()
            .Select(c => c.Spend)
            .OfType<SpendObservation>()
            .ToArray();

        var fit = GammaGamma.Fit(spend);

        Assert.Equal(946, spend.Length);
        Assert.True(fit.Converged);
        BgNbdCdnowTests.AssertWithinRelative(6.25, fit.Parameters.P, 0.005);
        BgNbdCdnowTests.AssertWithinRelative(3.74, fit.Parameters.Q, 0.005);
        BgNbdCdnowTests.AssertWithinRelative(15.44, fit.Parameters.Gamma, 0.005);
        Assert.Equal(-4055.92, fit.LogLikelihood, 0.05);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void Likelihood_is_a_probability_density_of_the_mean_value(int frequency)
    {
        // Substituting m = u/(1 − u) maps (0, ∞) to (0, 1); dm = du/(1 − u)².
        var total = Integrate.OnClosedInterval(
            u => u is <= 0 or >= 1
                ? 0
                : Math.Exp(GammaGamma.LogLikelihood(Published, new SpendObservation(frequency, u / (1 - u)))) / ((1 - u) * (1 - u)),
            0,
            1);

        Assert.Equal(1, total, 6);
    }

    [Fact]
    public void Total_log_likelihood_is_the_sum_over_customers()
    {
        SpendObservation[] customers = [new(1, 20), new(3, 35.5), new(3, 12), new(10, 50)];

        Assert.Equal(customers.Sum(c => GammaGamma.LogLikelihood(Published, c)), GammaGamma.LogLikelihood(Published, customers), 10);
    }

    [Fact]
    public void Conditional_expected_value_weights_the_population_mean_against_the_customers_own_mean()
    {
        const int x = 3;
        const double observed = 40;
        var weight = Published.P * x / ((Published.P * x) + Published.Q - 1);
        var populationMean = Published.P * Published.Gamma / (Published.Q - 1);

        var expected = GammaGamma.ConditionalExpectedAverageValue(Published, x, observed);

        Assert.Equal((weight * observed) + ((1 - weight) * populationMean), expected, 10);
        Assert.Equal(populationMean, GammaGamma.ConditionalExpectedAverageValue(Published, 0, 0), 10);
    }

    [Fact]
    public void Conditional_expected_value_is_infinite_when_the_posterior_mean_does_not_exist()
    {
        var heavyTailed = new GammaGammaParameters(1, 0.5, 10);

        Assert.Equal(double.PositiveInfinity, GammaGamma.ConditionalExpectedAverageValue(heavyTailed, 0, 0));
    }

    [Fact]
    public void Customers_without_repeat_purchases_are_not_spend_observations()
    {
        Assert.Throws<ArgumentException>(() => GammaGamma.LogLikelihood(Published, new SpendObservation(0, 10)));
        Assert.Throws<ArgumentException>(() => GammaGamma.Fit([new SpendObservation(2, -5)]));
    }
}
