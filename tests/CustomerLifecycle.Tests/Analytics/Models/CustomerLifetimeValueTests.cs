using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class CustomerLifetimeValueTests
{
    private static readonly BgNbdParameters Transactions = new(0.243, 4.414, 0.793, 2.426);
    private static readonly CustomerSummary Customer = new(4, 25, 38);

    [Fact]
    public void Without_discounting_clv_is_margin_times_spend_times_expected_transactions_over_the_horizon()
    {
        var options = new ClvOptions(periods: 12, periodLength: 4, discountRatePerPeriod: 0, margin: 0.3);

        var clv = CustomerLifetimeValue.Calculate(Transactions, Customer, 20, options);

        var expected = 0.3 * 20 * BgNbd.ConditionalExpectedTransactions(Transactions, Customer, 48);
        Assert.Equal(expected, clv, 10);
    }

    [Fact]
    public void Each_periods_transactions_are_discounted_from_the_end_of_that_period()
    {
        var options = new ClvOptions(periods: 2, periodLength: 13, discountRatePerPeriod: 0.1, margin: 0.5);
        var first = BgNbd.ConditionalExpectedTransactions(Transactions, Customer, 13);
        var both = BgNbd.ConditionalExpectedTransactions(Transactions, Customer, 26);

        var clv = CustomerLifetimeValue.Calculate(Transactions, Customer, 30, options);

        Assert.Equal(30 * 0.5 * ((first / 1.1) + ((both - first) / (1.1 * 1.1))), clv, 10);
    }

    [Fact]
    public void Discounting_lowers_value_and_a_zero_horizon_has_none()
    {
        var undiscounted = CustomerLifetimeValue.Calculate(Transactions, Customer, 25, new ClvOptions(24, 4.33, 0));
        var discounted = CustomerLifetimeValue.Calculate(Transactions, Customer, 25, new ClvOptions(24, 4.33, 0.01));

        Assert.True(discounted < undiscounted);
        Assert.Equal(0, CustomerLifetimeValue.Calculate(Transactions, Customer, 25, new ClvOptions(0, 4.33, 0.01)));
    }

    [Fact]
    public void Spend_model_overload_uses_the_conditional_expected_transaction_value()
    {
        var spend = new GammaGammaParameters(6.25, 3.74, 15.44);
        var customer = new CustomerPurchaseSummary("42", 4, 25, 38, 31.5);
        var options = new ClvOptions(12, 4.33, 0.01, 0.2);
        var expectedValue = GammaGamma.ConditionalExpectedAverageValue(spend, 4, 31.5);

        var clv = CustomerLifetimeValue.Calculate(Transactions, spend, customer, options);

        Assert.Equal(CustomerLifetimeValue.Calculate(Transactions, Customer, expectedValue, options), clv, 10);
    }

    [Fact]
    public void Options_outside_their_meaning_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClvOptions(-1, 4, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClvOptions(12, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ClvOptions(12, 4, -1));
    }
}
