using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Tests.Analytics.Clv;

public class ClvFitRequestTests
{
    private static readonly DateOnly Today = new(2026, 11, 23);
    private static readonly ClvDefaults Defaults = new() { Currency = "EUR", MarginRate = 0.9, MarginByCurrency = { ["USD"] = 0.3 } };

    [Fact]
    public void An_empty_request_fits_all_data_up_to_today_with_the_configured_defaults()
    {
        var (settings, errors) = new ClvFitRequest().Resolve(Defaults, new ChurnSignalWeights(), Today);

        Assert.Empty(errors);
        Assert.Equal(("EUR", new DateOnly(1970, 1, 1), Today, (DateOnly?)null, 0.9), (settings!.Currency, settings.ObservationStart, settings.CalibrationEnd, settings.HoldoutEnd, settings.MarginRate));
        Assert.Equal((12, 52.0, 0.01), (settings.HorizonPeriods, settings.HorizonWeeks, settings.DiscountRatePerPeriod));
        Assert.Equal(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero), settings.CalibrationCutoff);
    }

    [Fact]
    public void The_margin_comes_from_the_request_else_the_currency_map_else_the_default()
    {
        Assert.Equal(0.3, new ClvFitRequest(Currency: "USD").Resolve(Defaults, new(), Today).Settings!.MarginRate);
        Assert.Equal(0.5, new ClvFitRequest(Currency: "USD", MarginRate: 0.5).Resolve(Defaults, new(), Today).Settings!.MarginRate);
        Assert.Equal(0.9, new ClvFitRequest(Currency: "GBP").Resolve(Defaults, new(), Today).Settings!.MarginRate);
    }

    [Fact]
    public void Every_bad_field_is_reported_under_its_name()
    {
        var request = new ClvFitRequest(
            Currency: "usd", CustomerPrefix: "has space", Source: "-bad", CalibrationEnd: Today.AddDays(1), HoldoutEnd: Today.AddDays(-3),
            HorizonPeriods: 0, PeriodWeeks: -1, DiscountRatePerPeriod: 1, MarginRate: 0);

        var (settings, errors) = request.Resolve(Defaults, new(), Today);

        Assert.Null(settings);
        Assert.Equal(
            ["calibrationEnd", "currency", "customerPrefix", "discountRatePerPeriod", "holdoutEnd", "horizonPeriods", "marginRate", "periodWeeks", "source"],
            errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_window_must_run_forwards()
    {
        var (_, errors) = new ClvFitRequest(ObservationStart: new DateOnly(2025, 1, 1), CalibrationEnd: new DateOnly(2024, 1, 1)).Resolve(Defaults, new(), Today);

        Assert.Equal(["observationStart"], errors.Keys);
    }
}

public class CustomerValuationTests
{
    private static readonly BgNbdParameters Cdnow = new(0.243, 4.414, 0.793, 2.426);
    private static readonly GammaGammaParameters Spend = new(6.25, 3.74, 15.44);

    /// <summary>MBG/NBD of the CDNOW sample (Batislam et al. 2007), with the model term as the risk's only signal.</summary>
    private static readonly ChurnProbabilityModel Churn = ChurnProbabilityModel.DropoutOnly(new MbgNbdParameters(0.525, 6.183, 0.891, 1.614), 52);

    private static ClvFitSettings Settings(double margin = 1) =>
        new("USD", null, null, new DateOnly(1997, 1, 1), new DateOnly(1997, 9, 30), null, 12, 52.0 / 12, 0.01, margin, new ChurnSignalWeights());

    [Fact]
    public void A_customer_is_valued_with_the_library_formulas()
    {
        var customer = new CustomerPurchaseSummary("c1", 2, 30.43, 38.86, 20);
        var rfm = new RfmScore("c1", 3, 3, 3, RfmSegment.NeedAttention);

        var value = CustomerValuation.Value(new FittedModels(new BgNbdPurchases(Cdnow), Spend, Churn, Settings(0.3)), customer, 65m, rfm, LifecycleStage.Engaged, []);

        var spend = GammaGamma.ConditionalExpectedAverageValue(Spend, 2, 20);
        Assert.Equal(MbgNbd.ProbabilityAlive(Churn.Dropout, customer.Summary), value.ProbabilityAlive, 12);
        Assert.Equal(BgNbd.ConditionalExpectedTransactions(Cdnow, customer.Summary, 52), value.ExpectedPurchases, 12);
        Assert.Equal(spend, value.ExpectedSpendPerPurchase!.Value, 12);
        Assert.Equal(CustomerLifetimeValue.Calculate(Cdnow, customer.Summary, spend, new ClvOptions(12, 52.0 / 12, 0.01, 0.3)), value.Clv!.Value, 12);
        Assert.Equal((65m, 19.5m), (value.NetRevenue, value.Margin));
        Assert.Equal(MbgNbd.ProbabilityOfNoPurchase(Churn.Dropout, customer.Summary, 52), value.Churn.Risk, 9);
        Assert.Equal(LifecycleStage.Engaged, value.Stage);
        Assert.Equal(value.Clv * value.Churn.Risk, value.ValueAtRisk);
        // Expected wait given alive: (α + T) / (r + x − 1) weeks after calibration end.
        var waitDays = (4.414 + 38.86) / (0.243 + 2 - 1) * 7;
        Assert.Equal(new DateOnly(1997, 9, 30).AddDays((int)Math.Round(waitDays)), value.ExpectedNextPurchase);
    }

    [Fact]
    public void Under_pareto_nbd_a_customer_gets_its_expected_purchases_clv_and_p_alive_and_the_same_churn_risk()
    {
        var pareto = new ParetoNbdParameters(0.553, 10.578, 0.606, 11.669);
        var customer = new CustomerPurchaseSummary("c1", 2, 30.43, 38.86, 20);
        var rfm = new RfmScore("c1", 3, 3, 3, RfmSegment.NeedAttention);

        var value = CustomerValuation.Value(new FittedModels(new ParetoNbdPurchases(pareto), Spend, Churn, Settings()), customer, 65m, rfm, null, []);

        var spend = GammaGamma.ConditionalExpectedAverageValue(Spend, 2, 20);
        Assert.Equal(ParetoNbd.ProbabilityAlive(pareto, customer.Summary), value.ProbabilityAlive, 12);
        Assert.Equal(ParetoNbd.ConditionalExpectedTransactions(pareto, customer.Summary, 52), value.ExpectedPurchases, 12);
        Assert.Equal(CustomerLifetimeValue.Calculate(new ParetoNbdPurchases(pareto), customer.Summary, spend, new ClvOptions(12, 52.0 / 12, 0.01)), value.Clv!.Value, 12);
        Assert.Equal(MbgNbd.ProbabilityOfNoPurchase(Churn.Dropout, customer.Summary, 52), value.Churn.Risk, 9);
        var waitDays = (10.578 + 38.86) / (0.553 + 2 - 1) * 7;
        Assert.Equal(new DateOnly(1997, 9, 30).AddDays((int)Math.Round(waitDays)), value.ExpectedNextPurchase);
    }

    [Fact]
    public void Without_a_spend_model_there_is_no_clv_but_still_a_risk()
    {
        var value = CustomerValuation.Value(new FittedModels(new BgNbdPurchases(Cdnow), null, Churn, Settings()), new CustomerPurchaseSummary("c1", 0, 0, 10, 0), 12m, new RfmScore("c1", 1, 1, 1, RfmSegment.Lost), null, []);

        Assert.Equal((null, null, null), (value.Clv, value.ExpectedSpendPerPurchase, value.ValueAtRisk));
        // One purchase only: the wait has no finite mean for r < 1; MBG/NBD lets a one-time buyer be gone already.
        Assert.Null(value.ExpectedNextPurchase);
        Assert.InRange(value.ProbabilityAlive, 0.01, 0.99);
        Assert.InRange(value.Churn.Risk, 0.01, 0.99);
    }

    [Fact]
    public void Rfm_scores_rank_recency_frequency_and_net_revenue_among_the_snapshots_customers()
    {
        var customers = Enumerable.Range(1, 10).Select(i => new CustomerPurchaseSummary($"c{i}", i, i, 20, 10)).ToList();
        var revenue = customers.ToDictionary(c => c.CustomerId, c => (decimal)c.Frequency * 10);

        var scores = CustomerValuation.RfmScores(customers, revenue);

        Assert.Equal((1, 1, 1), (scores["c1"].Recency, scores["c1"].Frequency, scores["c1"].Monetary));
        Assert.Equal((5, 5, 5, RfmSegment.Champions), (scores["c10"].Recency, scores["c10"].Frequency, scores["c10"].Monetary, scores["c10"].Segment));
    }
}
