using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Analytics.ChurnRisk;

public class ChurnRiskFormulaTests
{
    private static ChurnReason Signal(string code, double strength, double weight) => new(code, strength, weight, code);

    [Fact]
    public void Without_signals_the_risk_is_the_models_dropout_probability()
    {
        var assessment = ChurnRiskFormula.Assess(0.7, []);

        Assert.Equal(0.3, assessment.Risk, 12);
        var reason = Assert.Single(assessment.Reasons);
        Assert.Equal(ChurnReasonCodes.ModelDropout, reason.Code);
        Assert.Equal(0.3, reason.Strength, 12);
    }

    [Fact]
    public void Signals_each_remove_their_weighted_share_of_the_survival_chance()
    {
        var assessment = ChurnRiskFormula.Assess(0.8, [Signal(ChurnReasonCodes.Overdue, 1, 0.5), Signal(ChurnReasonCodes.OpenComplaints, 0.25, 0.4)]);

        // 1 − 0.8 × (1 − 0.5) × (1 − 0.1); reasons by effect: 0.5, 0.2, 0.1.
        Assert.Equal(0.64, assessment.Risk, 12);
        Assert.Equal([ChurnReasonCodes.Overdue, ChurnReasonCodes.ModelDropout, ChurnReasonCodes.OpenComplaints], assessment.Reasons.Select(r => r.Code));
    }

    [Fact]
    public void A_customer_the_model_is_sure_of_carries_only_the_signals_risk()
    {
        var assessment = ChurnRiskFormula.Assess(1, [Signal(ChurnReasonCodes.Detractor, 1, 0.4), Signal(ChurnReasonCodes.FallingFrequency, 0, 0.3)]);

        Assert.Equal(0.4, assessment.Risk, 12);
        Assert.Equal([ChurnReasonCodes.Detractor], assessment.Reasons.Select(r => r.Code));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.35)]
    [InlineData(1.0)]
    public void The_risk_never_falls_below_the_model_and_never_leaves_zero_to_one(double pAlive)
    {
        var none = ChurnRiskFormula.Assess(pAlive, []);
        var all = ChurnRiskFormula.Assess(pAlive, [Signal("a", 1, 1), Signal("b", 1, 0.9)]);

        Assert.Equal(1 - pAlive, none.Risk, 12);
        Assert.InRange(all.Risk, none.Risk, 1);
        Assert.Equal(1, all.Risk, 12);
    }

    [Fact]
    public void Probabilities_and_weights_outside_zero_to_one_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ChurnRiskFormula.Assess(1.2, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ChurnRiskFormula.Assess(0.5, [Signal("x", 1, 1.5)]));
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
