using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Lifecycle.LifecycleStage;
using static CustomerLifecycle.Tests.Lifecycle.Scenario;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

// inactive-churned, subscription-cancelled-churned, won-back, recovered, and the path after a win-back.
public class ChurnAndRecoveryRulesTests
{
    [Fact]
    public void One_hundred_eighty_days_without_purchase_churns_a_customer() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .Then(Churned).ThenSince(Day(180))
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)),
                T(RuleIds.InactiveChurned, AtRisk, Churned, Day(180)));

    [Fact]
    public void Without_the_at_risk_rule_a_customer_churns_directly() =>
        Given(RuleSet.Default with { InactiveAtRiskEnabled = false }, Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .ThenTransitions(T(RuleIds.InactiveChurned, Customer, Churned, Day(180)));

    [Fact]
    public void A_detractor_at_risk_still_churns_on_inactivity() =>
        Given(Buy(Day(0)), Nps(Day(5), 2))
            .When(AdvanceTo(Day(181)))
            .ThenTransitions(T(RuleIds.InactiveChurned, AtRisk, Churned, Day(180)));

    [Fact]
    public void At_risk_and_churn_due_at_the_same_instant_both_happen_in_that_order() =>
        Given(RuleSet.Default with { InactiveAtRiskEnabled = false }, Buy(Day(0)), Complain(Day(166)))
            .When(AdvanceTo(Day(200)))
            .ThenTransitions(
                T(RuleIds.ComplaintAtRisk, Customer, AtRisk, Day(180)),
                T(RuleIds.InactiveChurned, AtRisk, Churned, Day(180)));

    [Fact]
    public void Churned_customer_has_no_further_deadlines() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(2000)))
            .Then(Churned)
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)),
                T(RuleIds.InactiveChurned, AtRisk, Churned, Day(180)));

    [Fact]
    public void Cancelling_the_only_paid_subscription_churns_a_subscriber() =>
        Given(Subscribe(Day(0)), Renew(Day(30)))
            .When(Cancel(Day(40)))
            .Then(Churned)
            .ThenTransitions(T(RuleIds.SubscriptionCancelledChurned, RepeatCustomer, Churned, Day(40)));

    [Fact]
    public void Cancelling_one_of_two_paid_subscriptions_does_not_churn() =>
        Given(Subscribe(Day(0), "s-1"), Subscribe(Day(1), "s-2"))
            .When(Cancel(Day(40), "s-1"))
            .Then(RepeatCustomer)
            .ThenNoNewTransition();

    [Fact]
    public void Subscriber_who_also_buys_one_offs_is_left_to_the_inactivity_timers() =>
        Given(Subscribe(Day(0)), Buy(Day(10)))
            .When(Cancel(Day(40)))
            .Then(RepeatCustomer)
            .ThenNoNewTransition();

    [Fact]
    public void Cancelling_a_free_subscription_does_not_churn() =>
        Given(Buy(Day(0)), Subscribe(Day(1), "free", amount: null))
            .When(Cancel(Day(5), "free"))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Subscription_churn_can_be_switched_off() =>
        Given(RuleSet.Default with { SubscriptionCancelledChurnEnabled = false }, Subscribe(Day(0)))
            .When(Cancel(Day(40)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Purchase_after_churn_wins_the_customer_back() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .And(Buy(Day(250)))
            .Then(WonBack).ThenSince(Day(250))
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)),
                T(RuleIds.InactiveChurned, AtRisk, Churned, Day(180)),
                T(RuleIds.WonBack, Churned, WonBack, Day(250)));

    [Fact]
    public void Resubscribing_after_a_subscription_churn_wins_the_customer_back() =>
        Given(Subscribe(Day(0)), Cancel(Day(40)))
            .When(Subscribe(Day(60), "s-2"))
            .ThenTransitions(T(RuleIds.WonBack, Churned, WonBack, Day(60)));

    [Fact]
    public void Second_purchase_after_a_win_back_makes_a_repeat_customer_again() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .And(Buy(Day(250)))
            .And(Buy(Day(260)))
            .Then(RepeatCustomer);

    [Fact]
    public void A_win_back_starts_a_fresh_buying_spell() =>
        // Three purchases before the lapse plus two after would be loyal by frequency over a year; the new
        // spell has only two, so the customer is a repeat customer again, not loyal.
        Given(Buy(Day(0)), Buy(Day(10)), Buy(Day(20)))
            .When(AdvanceTo(Day(290)))
            .And(Buy(Day(300)))
            .And(Buy(Day(310)))
            .Then(RepeatCustomer)
            .ThenTransitions(
                T(RuleIds.OverdueAtRisk, RepeatCustomer, AtRisk, Day(40)),
                T(RuleIds.InactiveChurned, AtRisk, Churned, Day(200)),
                T(RuleIds.WonBack, Churned, WonBack, Day(300)),
                T(RuleIds.RepeatPurchase, WonBack, RepeatCustomer, Day(310)));

    [Fact]
    public void Referral_after_a_win_back_makes_an_advocate() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .And(Buy(Day(250)))
            .And(Refer(Day(251)))
            .Then(Advocate);

    [Fact]
    public void Membership_after_a_win_back_makes_loyal() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .And(Buy(Day(250)))
            .And(Tier(Day(251), "silver"))
            .Then(Loyal);

    [Fact]
    public void Referral_by_a_churned_customer_changes_nothing() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(200)))
            .And(Refer(Day(210)))
            .Then(Churned)
            .And(Buy(Day(250)))
            .Then(WonBack);

    [Fact]
    public void Purchase_while_at_risk_recovers_to_repeat_customer() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(95)))
            .And(Buy(Day(100)))
            .Then(RepeatCustomer)
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)),
                T(RuleIds.Recovered, AtRisk, RepeatCustomer, Day(100)));

    [Fact]
    public void Recovery_returns_a_referrer_to_advocate() =>
        Given(Buy(Day(0)), Refer(Day(5)))
            .When(AdvanceTo(Day(95)))
            .And(Buy(Day(100)))
            .Then(Advocate)
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Advocate, AtRisk, Day(90)),
                T(RuleIds.Recovered, AtRisk, Advocate, Day(100)));

    [Fact]
    public void Referral_while_at_risk_counts_at_recovery() =>
        Given(Buy(Day(0)))
            .When(AdvanceTo(Day(95)))
            .And(Refer(Day(96)))
            .Then(AtRisk)
            .And(Buy(Day(100)))
            .Then(Advocate);

    [Fact]
    public void Recovery_returns_a_member_to_loyal() =>
        Given(Buy(Day(0)), Tier(Day(5), "gold"))
            .When(AdvanceTo(Day(95)))
            .And(Buy(Day(100)))
            .ThenTransitions(
                T(RuleIds.InactiveAtRisk, Loyal, AtRisk, Day(90)),
                T(RuleIds.Recovered, AtRisk, Loyal, Day(100)));

    [Fact]
    public void Recovery_returns_a_frequent_buyer_to_loyal() =>
        Given(Buy(Day(0)), Buy(Day(5)), Nps(Day(6), 3))
            .When(Buy(Day(7)))
            .And(Buy(Day(8)))
            .ThenTransitions(
                T(RuleIds.Recovered, AtRisk, RepeatCustomer, Day(7)),
                T(RuleIds.LoyalByFrequency, RepeatCustomer, Loyal, Day(8)));

    [Fact]
    public void Recovery_with_four_purchases_in_the_window_is_loyal_at_once() =>
        Given(Buy(Day(0)), Buy(Day(5)), Buy(Day(7)), Nps(Day(8), 3))
            .When(Buy(Day(9)))
            .ThenTransitions(T(RuleIds.Recovered, AtRisk, Loyal, Day(9)));
}
