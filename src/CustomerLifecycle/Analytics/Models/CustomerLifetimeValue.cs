using static CustomerLifecycle.Analytics.Models.ParameterValidation;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>How far ahead and how to discount a customer-lifetime-value calculation.</summary>
/// <remarks>Periods × PeriodLength is the horizon, in the model's time unit (weeks for the FHL conventions).</remarks>
public sealed record ClvOptions
{
    /// <param name="periods">Number of periods in the horizon (e.g. 12 months).</param>
    /// <param name="periodLength">Length of one period in model time units (e.g. 52/12 weeks for a month).</param>
    /// <param name="discountRatePerPeriod">Discount rate per period, e.g. 0.01 for 1 % a month; 0 means no discounting.</param>
    /// <param name="margin">Fraction of revenue that is profit; 1 gives discounted revenue.</param>
    public ClvOptions(int periods, double periodLength, double discountRatePerPeriod, double margin = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(periods);
        Periods = periods;
        PeriodLength = RequirePositive(periodLength, nameof(periodLength));
        DiscountRatePerPeriod = discountRatePerPeriod > -1 && double.IsFinite(discountRatePerPeriod)
            ? discountRatePerPeriod
            : throw new ArgumentOutOfRangeException(nameof(discountRatePerPeriod), discountRatePerPeriod, "Must be finite and above −1.");
        Margin = double.IsFinite(margin) ? margin : throw new ArgumentOutOfRangeException(nameof(margin), margin, "Must be finite.");
    }

    public int Periods { get; }

    public double PeriodLength { get; }

    public double DiscountRatePerPeriod { get; }

    public double Margin { get; }
}

/// <summary>Discounted expected future value of an existing customer (a purchase model × Gamma-Gamma).</summary>
public static class CustomerLifetimeValue
{
    /// <summary>
    /// CLV = Σ_{i=1..n} (E[Y(iL) | x, t_x, T] − E[Y((i−1)L) | x, t_x, T]) · s · margin / (1 + d)^i, with L the period
    /// length, s the expected value of one transaction and d the discount rate per period: transactions expected in
    /// period i come from the difference of the cumulative conditional expectations (FHL 2005 eq. 10) and are
    /// discounted to today at the period's end, as in the discrete-time CLV of FHL "RFM and CLV" (2005).
    /// </summary>
    public static double Calculate(
        BgNbdParameters transactionModel, CustomerSummary customer, double expectedTransactionValue, ClvOptions options) =>
        Calculate(new BgNbdPurchases(transactionModel), customer, expectedTransactionValue, options);

    /// <summary>As above, with the expected purchases of any model of the family (BG/NBD, MBG/NBD, Pareto/NBD).</summary>
    public static double Calculate(
        PurchaseModel transactionModel, CustomerSummary customer, double expectedTransactionValue, ClvOptions options)
    {
        ArgumentNullException.ThrowIfNull(transactionModel);
        ArgumentNullException.ThrowIfNull(options);
        if (!double.IsFinite(expectedTransactionValue))
        {
            throw new ArgumentOutOfRangeException(nameof(expectedTransactionValue), expectedTransactionValue, "Must be finite.");
        }

        double value = 0, previousCumulative = 0, discount = 1;
        for (var i = 1; i <= options.Periods; i++)
        {
            var cumulative = transactionModel.ConditionalExpectedTransactions(customer, i * options.PeriodLength);
            discount /= 1 + options.DiscountRatePerPeriod;
            value += (cumulative - previousCumulative) * discount;
            previousCumulative = cumulative;
        }

        return value * expectedTransactionValue * options.Margin;
    }

    /// <summary>
    /// As <see cref="Calculate(BgNbdParameters, CustomerSummary, double, ClvOptions)"/> with the transaction value
    /// taken from the Gamma-Gamma model, E[M | x, m̄] (FHL 2005 "RFM and CLV", §4).
    /// </summary>
    public static double Calculate(
        BgNbdParameters transactionModel, GammaGammaParameters spendModel, CustomerPurchaseSummary customer, ClvOptions options)
    {
        ArgumentNullException.ThrowIfNull(spendModel);
        ArgumentNullException.ThrowIfNull(customer);
        var spend = GammaGamma.ConditionalExpectedAverageValue(spendModel, customer.Frequency, customer.MonetaryValue);
        return Calculate(transactionModel, customer.Summary, spend, options);
    }
}
