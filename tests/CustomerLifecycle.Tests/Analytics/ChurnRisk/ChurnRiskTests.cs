using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Analytics.ChurnRisk;

public class ChurnRiskFormulaTests
{
    private static readonly ChurnProbabilityModel Model = ChurnProbabilityModel.DropoutOnly(new MbgNbdParameters(0.525, 6.183, 0.891, 1.614), 39);
    private static readonly CustomerPurchaseSummary Regular = new("c1", 4, 30, 36, 25);
    private static readonly CustomerPurchaseSummary OneTime = new("c2", 0, 0, 36, 0);

    private static ChurnReason Signal(string code, double strength, double weight) => new(code, strength, weight, code);

    private static double Odds(double p) => p / (1 - p);

    private static double Logit(double p) => Math.Log(Odds(p));

    [Fact]
    public void Without_signals_the_risk_is_the_models_probability_of_no_purchase_over_the_horizon()
    {
        var assessment = ChurnRiskFormula.Assess(Model, Regular, []);

        Assert.Equal(MbgNbd.ProbabilityOfNoPurchase(Model.Dropout, Regular.Summary, 39), assessment.Risk, 9);
        Assert.Equal(39, assessment.HorizonWeeks);
        Assert.Contains(assessment.Reasons, r => r.Code == ChurnReasonCodes.ModelDropout);
    }

    [Fact]
    public void A_one_time_buyer_may_be_gone_but_is_not_surely_gone()
    {
        var assessment = ChurnRiskFormula.Assess(Model, OneTime, []);

        Assert.InRange(assessment.Risk, 0.01, 0.99);
        Assert.InRange(MbgNbd.ProbabilityAlive(Model.Dropout, OneTime.Summary), 0.01, 0.99);
    }

    [Fact]
    public void Each_warning_sign_multiplies_the_odds_of_churn_by_one_over_one_minus_its_effect()
    {
        var without = ChurnRiskFormula.Assess(Model, Regular, []);

        var with = ChurnRiskFormula.Assess(Model, Regular, [Signal(ChurnReasonCodes.Overdue, 1, 0.5), Signal(ChurnReasonCodes.OpenComplaints, 0.25, 0.4)]);

        Assert.Equal(Odds(without.Risk) / (1 - 0.5) / (1 - 0.1), Odds(with.Risk), 9);
        Assert.Equal(-Math.Log(0.5), with.Reasons.Single(r => r.Code == ChurnReasonCodes.Overdue).LogOdds, 12);
    }

    [Fact]
    public void The_reasons_add_up_to_the_score()
    {
        var assessment = ChurnRiskFormula.Assess(Model, Regular, [Signal(ChurnReasonCodes.Detractor, 1, 0.4)]);

        Assert.Equal(Logit(assessment.Risk), assessment.BaselineLogOdds + assessment.Reasons.Sum(r => r.LogOdds), 9);
        Assert.Equal(assessment.Reasons.OrderByDescending(r => r.LogOdds).Select(r => r.Code), assessment.Reasons.Select(r => r.Code));
    }

    [Fact]
    public void A_sign_present_but_not_weighed_is_listed_as_evidence_and_adds_nothing()
    {
        var without = ChurnRiskFormula.Assess(Model, Regular, []);

        var with = ChurnRiskFormula.Assess(Model, Regular, [Signal(ChurnReasonCodes.Overdue, 0.8, 0)]);

        Assert.Equal(without.Risk, with.Risk, 12);
        Assert.Equal(0, with.Reasons.Single(r => r.Code == ChurnReasonCodes.Overdue).LogOdds);
    }

    [Fact]
    public void Absent_signs_are_not_reasons()
    {
        var assessment = ChurnRiskFormula.Assess(Model, Regular, [Signal(ChurnReasonCodes.FallingFrequency, 0, 0.3)]);

        Assert.DoesNotContain(assessment.Reasons, r => r.Code == ChurnReasonCodes.FallingFrequency);
    }

    [Fact]
    public void Strengths_outside_zero_to_one_and_weights_of_one_or_more_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChurnRiskFormula.Assess(Model, Regular, [Signal("x", 1.5, 0.5)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChurnRiskFormula.Assess(Model, Regular, [Signal("x", 1, 1)]));
    }

    [Fact]
    public void Configured_weights_are_checked()
    {
        var errors = new ChurnSignalWeights { Overdue = 2, FrequencyWindowDays = 0 }.Validate();

        Assert.Equal(["FrequencyWindowDays", "Overdue"], errors.Keys.Order(StringComparer.Ordinal));
    }
}

public class ChurnSignalsTests
{
    private static readonly RuleSet Rules = RuleSet.Default;
    private static readonly ChurnSignalWeights Weights = new();

    private static IReadOnlyList<ChurnReason> Signals(DateTimeOffset asOf, params LifecycleFact[] facts) => ChurnSignals.Evaluate(facts, asOf, Rules, Weights);

    [Fact]
    public void A_customer_past_their_usual_rhythm_is_overdue_in_proportion()
    {
        // Purchases every 10 days; 15 days after the last is 1.5× the gap: half way to the rules' 2× overdue point.
        var reasons = Signals(Day(35), Buy(Day(0), orderId: "a"), Buy(Day(10), orderId: "b"), Buy(Day(20), orderId: "c"));

        var overdue = Assert.Single(reasons);
        Assert.Equal(ChurnReasonCodes.Overdue, overdue.Code);
        Assert.Equal(0.5, overdue.Strength, 9);
        Assert.Equal(Weights.Overdue, overdue.Weight);
        Assert.Contains("usually one every 10 days", overdue.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_purchases_are_not_yet_a_rhythm()
    {
        Assert.Empty(Signals(Day(100), Buy(Day(0), orderId: "a"), Buy(Day(10), orderId: "b")));
    }

    [Fact]
    public void Open_complaints_count_fully_when_serious_and_half_otherwise_and_resolved_ones_not_at_all()
    {
        var serious = Assert.Single(Signals(Day(3), Buy(Day(0)), Complain(Day(1), "k-1", ComplaintSeverity.High)));
        var minor = Assert.Single(Signals(Day(3), Buy(Day(0)), Complain(Day(1), "k-2", ComplaintSeverity.Low)));
        var resolved = Signals(Day(3), Buy(Day(0)), Complain(Day(1), "k-3"), Resolve(Day(2), "k-3"));

        Assert.Equal((ChurnReasonCodes.OpenComplaints, 1.0), (serious.Code, serious.Strength));
        Assert.Equal(0.5, minor.Strength);
        Assert.Empty(resolved);
    }

    [Fact]
    public void Only_a_recent_detractor_answer_counts_and_a_later_better_answer_replaces_it()
    {
        Assert.Equal(ChurnReasonCodes.Detractor, Assert.Single(Signals(Day(30), Buy(Day(0)), Nps(Day(20), 3))).Code);
        Assert.Empty(Signals(Day(30), Buy(Day(0)), Nps(Day(20), 3), Nps(Day(25), 9)));
        Assert.Empty(Signals(Day(500), Nps(Day(20), 3)));
    }

    [Fact]
    public void Buying_less_often_than_in_the_window_before_is_falling_frequency()
    {
        // Four purchases 200-350 days before, one in the last 180 days.
        var reasons = Signals(Day(400), Buy(Day(50), orderId: "a"), Buy(Day(100), orderId: "b"), Buy(Day(150), orderId: "c"), Buy(Day(200), orderId: "d"), Buy(Day(390), orderId: "e"));

        var falling = Assert.Single(reasons, r => r.Code == ChurnReasonCodes.FallingFrequency);
        Assert.Equal(0.75, falling.Strength, 9);
        Assert.Contains("1 purchase(s) in the last 180 days against 4", falling.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Facts_after_the_moment_asked_about_are_not_seen()
    {
        Assert.Empty(Signals(Day(10), Buy(Day(0)), Complain(Day(11)), Nps(Day(12), 0)));
    }
}
