using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>The fitted models and the calendar and money options they are applied with.</summary>
/// <param name="Purchases">The snapshot's purchase model (BG/NBD, MBG/NBD or Pareto/NBD): expected purchases, next purchase, CLV, and P(alive) unless it is BG/NBD.</param>
/// <param name="Churn">MBG/NBD with the learned signal weights: the churn risk, and P(alive) when the purchase model is BG/NBD (whose P(alive) is 1 for every one-time buyer).</param>
public sealed record FittedModels(PurchaseModel Purchases, GammaGammaParameters? Spend, ChurnProbabilityModel Churn, ClvFitSettings Settings)
{
    /// <summary>P(alive) of the purchase model, except BG/NBD's, which holds every one-time buyer alive: MBG/NBD's then.</summary>
    public double ProbabilityAlive(CustomerSummary customer) =>
        Purchases is BgNbdPurchases ? MbgNbd.ProbabilityAlive(Churn.Dropout, customer) : Purchases.ProbabilityAlive(customer);
}

/// <summary>Everything a snapshot says about one customer, as of the end of calibration.</summary>
/// <param name="ProbabilityAlive">P(alive) (<see cref="FittedModels.ProbabilityAlive"/>): below 1 for one-time buyers too.</param>
/// <param name="ExpectedPurchases">E[Y(horizon) | x, t_x, T]: repeat purchases expected over the CLV horizon.</param>
/// <param name="ExpectedSpendPerPurchase">Gamma-Gamma E[M | x, m̄]; null without a spend model or when its mean does not exist.</param>
/// <param name="ExpectedNextPurchase">Calibration end + the expected wait for the next purchase given the customer is still buying; null when that wait has no finite mean or exceeds a century.</param>
/// <param name="NetRevenue">Paid minus refunded in the calibration window.</param>
/// <param name="Margin">NetRevenue × the snapshot's margin rate.</param>
/// <param name="Stage">The journey's lifecycle stage at the end of calibration; null when the journey was not known then.</param>
public sealed record CustomerValue(
    string CustomerId,
    int Frequency,
    double Recency,
    double T,
    double MonetaryValue,
    double ProbabilityAlive,
    double ExpectedPurchases,
    double? ExpectedSpendPerPurchase,
    double? Clv,
    DateOnly? ExpectedNextPurchase,
    decimal NetRevenue,
    decimal Margin,
    RfmScore Rfm,
    ChurnAssessment Churn,
    LifecycleStage? Stage)
{
    public double? ValueAtRisk => Clv * Churn.Risk;
}

/// <summary>Applies fitted models to one customer. Pure, so the numbers a snapshot stores can be checked by hand.</summary>
public static class CustomerValuation
{
    private const int LongestMeaningfulWaitDays = 36_525;

    /// <summary>
    /// RFM quintiles among all customers of the snapshot: recency as weeks since the last purchase day, frequency as
    /// purchase days (x + 1), monetary as the net revenue of the calibration window.
    /// </summary>
    public static IReadOnlyDictionary<string, RfmScore> RfmScores(IReadOnlyList<CustomerPurchaseSummary> customers, IReadOnlyDictionary<string, decimal> netRevenue)
    {
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(netRevenue);
        var inputs = customers
            .Select(c => new RfmInput(c.CustomerId, c.T - c.Recency, c.Frequency + 1, (double)netRevenue.GetValueOrDefault(c.CustomerId)))
            .ToList();
        return Rfm.Score(inputs).ToDictionary(s => s.CustomerId, StringComparer.Ordinal);
    }

    public static CustomerValue Value(
        FittedModels models, CustomerPurchaseSummary customer, decimal netRevenue, RfmScore rfm, LifecycleStage? stage, IEnumerable<ChurnReason> signals)
    {
        ArgumentNullException.ThrowIfNull(models);
        ArgumentNullException.ThrowIfNull(customer);
        var settings = models.Settings;
        var summary = customer.Summary;
        var probabilityAlive = models.ProbabilityAlive(summary);
        var expectedPurchases = models.Purchases.ConditionalExpectedTransactions(summary, settings.HorizonWeeks);
        double? spend = models.Spend is { } spendModel
            ? GammaGamma.ConditionalExpectedAverageValue(spendModel, customer.Frequency, customer.MonetaryValue)
            : null;
        if (spend is { } s && !double.IsFinite(s))
        {
            spend = null;
        }

        double? clv = spend is { } value ? CustomerLifetimeValue.Calculate(models.Purchases, summary, value, settings.ClvOptions) : null;
        return new CustomerValue(
            customer.CustomerId,
            customer.Frequency,
            customer.Recency,
            customer.T,
            customer.MonetaryValue,
            probabilityAlive,
            expectedPurchases,
            spend,
            clv,
            NextPurchase(models, summary),
            netRevenue,
            Math.Round(netRevenue * (decimal)settings.MarginRate, 4),
            rfm,
            ChurnRiskFormula.Assess(models.Churn, customer, signals),
            stage);
    }

    private static DateOnly? NextPurchase(FittedModels models, CustomerSummary summary)
    {
        var period = models.Settings.Period;
        if (models.Purchases.ExpectedTimeToNextPurchase(summary) is not { } wait)
        {
            return null;
        }

        var days = wait * period.DaysPerTimeUnit;
        return days <= LongestMeaningfulWaitDays ? period.CalibrationEnd.AddDays((int)Math.Round(days)) : null;
    }
}
