using CustomerLifecycle.Analytics.Models;
using MathNet.Numerics;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class BgNbdTests
{
    private static readonly BgNbdParameters Published = new(0.243, 4.414, 0.793, 2.426);

    private static readonly CustomerSummary[] Customers =
    [
        new(0, 0, 38.86), new(1, 1.71, 38.86), new(2, 30.43, 38.86), new(26, 30.857, 31), new(7, 20, 35.5), new(0, 0, 27),
    ];

    [Fact]
    public void LogLikelihood_of_one_customer_is_equation_6_of_fhl_2005()
    {
        // L = B(a, b+x)/B(a, b) Γ(r+x)α^r/(Γ(r)(α+T)^(r+x)) + B(a+1, b+x−1)/B(a, b) Γ(r+x)α^r/(Γ(r)(α+t_x)^(r+x))
        double r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, x = 2, tx = 30.43, t = 38.86;
        var gammaPart = SpecialFunctions.Gamma(r + x) * Math.Pow(alpha, r) / SpecialFunctions.Gamma(r);
        var likelihood = (SpecialFunctions.Beta(a, b + x) / SpecialFunctions.Beta(a, b) * gammaPart / Math.Pow(alpha + t, r + x))
            + (SpecialFunctions.Beta(a + 1, b + x - 1) / SpecialFunctions.Beta(a, b) * gammaPart / Math.Pow(alpha + tx, r + x));

        var actual = BgNbd.LogLikelihood(Published, new CustomerSummary(2, tx, t));

        Assert.Equal(Math.Log(likelihood), actual, 12);
    }

    [Fact]
    public void Total_log_likelihood_is_the_sum_over_customers()
    {
        var expected = Customers.Sum(c => BgNbd.LogLikelihood(Published, c));

        Assert.Equal(expected, BgNbd.LogLikelihood(Published, Customers), 10);
    }

    [Fact]
    public void Analytic_gradient_matches_central_differences()
    {
        var (_, gradient) = BgNbd.LogLikelihoodWithGradient(Published, Customers);

        double Numeric(Func<double, BgNbdParameters> at, double value)
        {
            var h = 1e-6 * value;
            return (BgNbd.LogLikelihood(at(value + h), Customers) - BgNbd.LogLikelihood(at(value - h), Customers)) / (2 * h);
        }

        Assert.Equal(Numeric(v => new(v, 4.414, 0.793, 2.426), 0.243), gradient.R, 5);
        Assert.Equal(Numeric(v => new(0.243, v, 0.793, 2.426), 4.414), gradient.Alpha, 5);
        Assert.Equal(Numeric(v => new(0.243, 4.414, v, 2.426), 0.793), gradient.A, 5);
        Assert.Equal(Numeric(v => new(0.243, 4.414, 0.793, v), 2.426), gradient.B, 5);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(39)]
    [InlineData(520)]
    public void Conditional_expectation_of_a_brand_new_customer_equals_the_unconditional_one(double t)
    {
        var unconditional = BgNbd.ExpectedTransactions(Published, t);

        Assert.Equal(unconditional, BgNbd.ConditionalExpectedTransactions(Published, new CustomerSummary(0, 0, 0), t), 12);
    }

    [Fact]
    public void Expected_transactions_start_at_the_mean_purchase_rate()
    {
        // Over a short window nobody has had a chance to drop out: E[X(t)] ≈ E[λ] t = r t / α.
        const double t = 1e-4;

        Assert.Equal(Published.R / Published.Alpha, BgNbd.ExpectedTransactions(Published, t) / t, 5);
        Assert.Equal(0, BgNbd.ExpectedTransactions(Published, 0));
    }

    [Fact]
    public void Expected_transactions_are_continuous_through_the_removable_singularity_at_a_equal_one()
    {
        var below = BgNbd.ExpectedTransactions(new BgNbdParameters(0.5, 4, 1 - 1e-3, 2.5), 52);
        var above = BgNbd.ExpectedTransactions(new BgNbdParameters(0.5, 4, 1 + 1e-3, 2.5), 52);

        var atOne = BgNbd.ExpectedTransactions(new BgNbdParameters(0.5, 4, 1, 2.5), 52);

        // E[X(t)] falls as the dropout prior a grows; at a = 1 it sits between its neighbours, at their midpoint
        // up to the curvature term (about 1e-6 here).
        Assert.InRange(atOne, above, below);
        Assert.Equal((below + above) / 2, atOne, 5);
    }

    [Fact]
    public void Probability_alive_is_one_without_repeat_purchases_and_falls_with_silence()
    {
        Assert.Equal(1, BgNbd.ProbabilityAlive(Published, new CustomerSummary(0, 0, 30)));

        var recent = BgNbd.ProbabilityAlive(Published, new CustomerSummary(5, 30, 31));
        var silent = BgNbd.ProbabilityAlive(Published, new CustomerSummary(5, 10, 31));

        Assert.True(recent > silent, $"recent buyer {recent} should be likelier alive than silent one {silent}");
    }

    [Fact]
    public void Predictions_for_a_very_heavy_buyer_do_not_overflow()
    {
        // x = 3000 puts (α+T)^(r+x) near e^12000 and the hypergeometric term near e^(−2600); only their product is moderate.
        var active = new CustomerSummary(3000, 51.9, 52);
        var lapsed = new CustomerSummary(3000, 50, 52);

        var activeAlive = BgNbd.ProbabilityAlive(Published, active);
        var activeExpected = BgNbd.ConditionalExpectedTransactions(Published, active, 52);

        Assert.InRange(activeAlive, 0.9, 1);
        Assert.InRange(activeExpected, 1000, 5000);
        Assert.InRange(BgNbd.ProbabilityAlive(Published, lapsed), 0, 1e-20);
        Assert.InRange(BgNbd.ConditionalExpectedTransactions(Published, lapsed, 52), 0, 1e-15);
    }

    [Fact]
    public void Expected_time_to_next_purchase_is_the_posterior_mean_of_one_over_lambda()
    {
        var customer = new CustomerSummary(4, 20, 30);

        var wait = BgNbd.ExpectedTimeToNextPurchase(Published, customer);

        Assert.NotNull(wait);
        Assert.Equal((Published.Alpha + 30) / (Published.R + 4 - 1), wait.Value, 12);
    }

    [Fact]
    public void Expected_time_to_next_purchase_does_not_exist_when_r_plus_x_is_at_most_one()
    {
        Assert.Null(BgNbd.ExpectedTimeToNextPurchase(Published, new CustomerSummary(0, 0, 30)));
    }

    [Fact]
    public void Summaries_outside_the_model_support_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => BgNbd.LogLikelihood(Published, new CustomerSummary(2, 40, 30)));
        Assert.Throws<ArgumentException>(() => BgNbd.LogLikelihood(Published, new CustomerSummary(0, 3, 30)));
        Assert.Throws<ArgumentException>(() => BgNbd.Fit(ReadOnlySpan<CustomerSummary>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BgNbdParameters(0, 1, 1, 1));
    }
}
