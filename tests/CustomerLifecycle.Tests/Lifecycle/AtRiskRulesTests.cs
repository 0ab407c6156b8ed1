using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Lifecycle.LifecycleStage;
using static CustomerLifecycle.Tests.Lifecycle.Scenario;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

// inactive-at-risk, overdue-at-risk, complaint-at-risk, detractor-at-risk.
public class AtRiskRulesTests
{
    [Fact]
    public void Ninety_days_without_purchase_puts_a_customer_at_risk()
    {
        var purchase = Buy(Day(0));
        var then = Given(purchase)
            .When(AdvanceTo(Day(100)))
            .Then(AtRisk).ThenSince(Day(90))
            .ThenTransitions(T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)));

        var cause = Assert.IsType<DeadlineCause>(then.NewTransitions[0].Cause);
        Assert.Equal(new DeadlineCause(DeadlineKind.InactiveAtRisk, new FactRef(purchase.EventId, "purchase_completed", Day(0), purchase.Sequence), Day(90)), cause);
    }

    [Fact]
    public void Eighty_nine_days_without_purchase_is_not_yet_at_risk() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(89.9)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void A_purchase_restarts_the_at_risk_timer() =>
        Given(Buy(Day(0)), Buy(Day(80)))
            .When(AdvanceTo(Day(169)))
            .Then(RepeatCustomer)
            .ThenNoNewTransition()
            .And(AdvanceTo(Day(171)))
            .ThenTransitions(T(RuleIds.InactiveAtRisk, RepeatCustomer, AtRisk, Day(170)));

    [Fact]
    public void Activity_other_than_buying_does_not_restart_the_timer() =>
        Given(Buy(Day(0)), Visit(Day(60)), ContactSupport(Day(70)), Nps(Day(75), 10))
            .When(AdvanceTo(Day(91)))
            .ThenTransitions(T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)));

    [Fact]
    public void A_won_back_customer_can_go_at_risk_again() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .And(Buy(Day(250)))
            .And(AdvanceTo(Day(341)))
            .Then(AtRisk)
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)),
                T(RuleIds.InactiveChurned, AtRisk, Churned, Day(180)),
                T(RuleIds.WonBack, Churned, WonBack, Day(250)),
                T(RuleIds.InactiveAtRisk, WonBack, AtRisk, Day(340)));

    [Fact]
    public void Overdue_regular_buyer_is_at_risk_before_ninety_days() =>
        // Gaps of 10 days: overdue after 2 x 10 = 20 days without buying.
        Given(Buy(Day(0)), Buy(Day(10)), Buy(Day(20)))
            .When(AdvanceTo(Day(50)))
            .Then(AtRisk)
            .ThenTransitions(T(RuleIds.OverdueAtRisk, RepeatCustomer, AtRisk, Day(40)));

    [Fact]
    public void Overdue_is_never_sooner_than_the_minimum_days() =>
        // Gaps of 2 days would allow 4 days; the 14-day floor wins.
        Given(Buy(Day(0)), Buy(Day(2)), Buy(Day(4)))
            .When(AdvanceTo(Day(30)))
            .ThenTransitions(T(RuleIds.OverdueAtRisk, RepeatCustomer, AtRisk, Day(18)));

    [Fact]
    public void Overdue_uses_the_median_gap_so_one_early_long_gap_does_not_excuse_a_now_regular_buyer() =>
        // Gaps 40, 5, 5: the median (5) gives the 14-day floor, due on day 64; a mean (16.7) would wait until day 83.
        Given(Buy(Day(0)), Buy(Day(40)), Buy(Day(45)), Buy(Day(50)))
            .When(AdvanceTo(Day(70)))
            .ThenTransitions(T(RuleIds.OverdueAtRisk, Loyal, AtRisk, Day(64)));

    [Fact]
    public void Two_purchases_are_not_enough_to_be_overdue() =>
        Given(Buy(Day(0)), Buy(Day(10)))
            .When(AdvanceTo(Day(60)))
            .Then(RepeatCustomer)
            .ThenNoNewTransition();

    [Fact]
    public void Overdue_can_be_switched_off() =>
        Given(RuleSet.Default with { OverdueAtRiskEnabled = false }, Buy(Day(0)), Buy(Day(10)), Buy(Day(20)))
            .When(AdvanceTo(Day(111)))
            .ThenTransitions(T(RuleIds.InactiveAtRisk, RepeatCustomer, AtRisk, Day(110)));

    [Fact]
    public void Unresolved_serious_complaint_puts_a_customer_at_risk()
    {
        var complaint = Complain(Day(10), severity: ComplaintSeverity.Critical);
        var then = Given(Buy(Day(0)), complaint)
            .When(AdvanceTo(Day(30)))
            .Then(AtRisk)
            .ThenTransitions(T(RuleIds.ComplaintAtRisk, Customer, AtRisk, Day(24)));

        var cause = Assert.IsType<DeadlineCause>(then.NewTransitions[0].Cause);
        Assert.Equal(DeadlineKind.OpenComplaint, cause.Deadline);
        Assert.Equal(complaint.EventId, cause.TimerStartedBy.EventId);
    }

    [Fact]
    public void Resolved_complaint_does_not_put_a_customer_at_risk() =>
        Given(Buy(Day(0)), Complain(Day(10)), Resolve(Day(20)))
            .When(AdvanceTo(Day(30)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Theory]
    [InlineData(ComplaintSeverity.Low)]
    [InlineData(ComplaintSeverity.Medium)]
    [InlineData(null)]
    public void Minor_complaint_does_not_put_a_customer_at_risk(ComplaintSeverity? severity) =>
        Given(Buy(Day(0)), Complain(Day(10), severity: severity))
            .When(AdvanceTo(Day(30)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Complaint_that_aged_before_the_first_purchase_never_fires() =>
        Given(Complain(Day(0)), Buy(Day(20)))
            .When(AdvanceTo(Day(40)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Complaint_due_at_the_very_moment_of_the_first_purchase_does_not_fire() =>
        // Deadlines come before facts at the same instant; at that instant the complainer was not yet a customer.
        Given(Complain(Day(0)), Buy(Day(14)))
            .When(AdvanceTo(Day(40)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void A_purchase_exactly_at_the_deadline_comes_too_late_to_prevent_it() =>
        Given(Buy(Day(0)))
            .When(Buy(Day(90)))
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)),
                T(RuleIds.Recovered, AtRisk, RepeatCustomer, Day(90)));

    [Fact]
    public void Complaint_rule_can_be_switched_off() =>
        Given(RuleSet.Default with { ComplaintAtRiskEnabled = false }, Buy(Day(0)), Complain(Day(10)))
            .When(AdvanceTo(Day(30)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Nps_detractor_answer_puts_a_customer_at_risk_at_once() =>
        Given(Buy(Day(0)))
            .When(Nps(Day(5), 6))
            .Then(AtRisk).ThenSince(Day(5))
            .ThenTransitions(T(RuleIds.DetractorAtRisk, Customer, AtRisk, Day(5)));

    [Fact]
    public void Passive_nps_answer_changes_nothing() =>
        Given(Buy(Day(0)))
            .When(Nps(Day(5), 7))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Low_csat_is_not_an_nps_detractor() =>
        Given(Buy(Day(0)))
            .When(Csat(Day(5), 1))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Detractor_answer_before_buying_changes_nothing() =>
        Given(Ad(Day(0)))
            .When(Nps(Day(5), 0))
            .Then(Prospect)
            .ThenNoNewTransition();

    [Fact]
    public void Detractor_rule_can_be_switched_off() =>
        Given(RuleSet.Default with { DetractorAtRiskEnabled = false }, Buy(Day(0)))
            .When(Nps(Day(5), 0))
            .Then(Customer)
            .ThenNoNewTransition();
}
