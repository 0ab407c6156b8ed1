using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Lifecycle.LifecycleStage;
using static CustomerLifecycle.Tests.Lifecycle.Scenario;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

// first-purchase, repeat-purchase, loyal-by-frequency, loyal-by-membership, advocate-by-referral, refunds.
public class ConversionRulesTests
{
    [Fact]
    public void First_purchase_makes_a_prospect_a_customer() =>
        Given(Ad(Day(0)))
            .When(Buy(Day(3)))
            .Then(Customer).ThenSince(Day(3))
            .ThenTransitions(T(RuleIds.FirstPurchase, Prospect, Customer, Day(3)));

    [Fact]
    public void Purchase_as_first_touch_makes_a_customer_directly() =>
        Given()
            .When(Buy(Day(0)))
            .ThenTransitions(T(RuleIds.FirstPurchase, null, Customer, Day(0)));

    [Fact]
    public void Purchase_during_a_trial_converts_to_customer() =>
        Given(TrialStart(Day(0)))
            .When(Buy(Day(5)))
            .ThenTransitions(T(RuleIds.FirstPurchase, Trial, Customer, Day(5)));

    [Fact]
    public void Paid_subscription_start_is_a_conversion() =>
        Given(SignUp(Day(0)))
            .When(Subscribe(Day(1), amount: 9.99m))
            .Then(Customer)
            .ThenTransitions(T(RuleIds.FirstPurchase, Engaged, Customer, Day(1)));

    [Fact]
    public void First_purchase_of_a_member_is_still_just_customer() =>
        Given(Tier(Day(0), "gold"))
            .When(Buy(Day(1)))
            .ThenTransitions(T(RuleIds.FirstPurchase, Prospect, Customer, Day(1)));

    [Fact]
    public void Second_purchase_makes_a_repeat_customer() =>
        Given(Buy(Day(0)))
            .When(Buy(Day(20)))
            .Then(RepeatCustomer)
            .ThenTransitions(T(RuleIds.RepeatPurchase, Customer, RepeatCustomer, Day(20)));

    [Fact]
    public void Third_purchase_keeps_a_repeat_customer() =>
        Given(Buy(Day(0)), Buy(Day(20)))
            .When(Buy(Day(40)))
            .Then(RepeatCustomer).ThenSince(Day(20))
            .ThenNoNewTransition();

    [Fact]
    public void Subscription_renewal_counts_as_a_repeat_purchase() =>
        Given(Subscribe(Day(0)))
            .When(Renew(Day(30)))
            .ThenTransitions(T(RuleIds.RepeatPurchase, Customer, RepeatCustomer, Day(30)));

    [Fact]
    public void Renewal_of_a_free_subscription_is_not_a_purchase() =>
        Given(Subscribe(Day(0), amount: null))
            .When(Renew(Day(30)))
            .Then(Engaged)
            .ThenNoNewTransition();

    [Fact]
    public void Renewal_with_zero_amount_is_not_a_purchase() =>
        Given(Subscribe(Day(0)))
            .When(Renew(Day(30), amount: 0m))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Fourth_purchase_within_a_year_makes_a_loyal_customer() =>
        Given(Buy(Day(0)), Buy(Day(30)), Buy(Day(60)))
            .When(Buy(Day(90)))
            .Then(Loyal)
            .ThenTransitions(T(RuleIds.LoyalByFrequency, RepeatCustomer, Loyal, Day(90)));

    [Fact]
    public void Purchases_spread_wider_than_the_window_do_not_make_loyal() =>
        Given(RuleSet.Default with { LoyalWindowDays = 30 }, Buy(Day(0)), Buy(Day(20)), Buy(Day(40)))
            .When(Buy(Day(60)))
            .Then(RepeatCustomer)
            .ThenNoNewTransition();

    [Fact]
    public void Frequency_loyalty_can_be_switched_off() =>
        Given(RuleSet.Default with { LoyalByFrequencyEnabled = false }, Buy(Day(0)), Buy(Day(30)), Buy(Day(60)))
            .When(Buy(Day(90)))
            .Then(RepeatCustomer)
            .ThenNoNewTransition();

    [Fact]
    public void Membership_tier_makes_a_customer_loyal() =>
        Given(Buy(Day(0)))
            .When(Tier(Day(5), "gold"))
            .Then(Loyal)
            .ThenTransitions(T(RuleIds.LoyalByMembership, Customer, Loyal, Day(5)));

    [Fact]
    public void Membership_granted_before_buying_counts_at_the_next_purchase() =>
        Given(Tier(Day(0), "gold"), Buy(Day(1)))
            .When(Buy(Day(2)))
            .Then(Loyal)
            .ThenTransitions(T(RuleIds.LoyalByMembership, Customer, Loyal, Day(2)));

    [Fact]
    public void Empty_tier_does_not_make_loyal() =>
        Given(Buy(Day(0)))
            .When(Tier(Day(5), ""))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Membership_loyalty_can_be_switched_off() =>
        Given(RuleSet.Default with { LoyalByMembershipEnabled = false }, Buy(Day(0)))
            .When(Tier(Day(5), "gold"))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Losing_the_tier_does_not_demote_a_loyal_customer() =>
        Given(Buy(Day(0)), Tier(Day(5), "gold"))
            .When(Tier(Day(6), ""))
            .Then(Loyal)
            .ThenNoNewTransition();

    [Fact]
    public void Referral_by_a_customer_makes_an_advocate() =>
        Given(Buy(Day(0)))
            .When(Refer(Day(3)))
            .Then(Advocate)
            .ThenTransitions(T(RuleIds.AdvocateByReferral, Customer, Advocate, Day(3)));

    [Fact]
    public void Referral_by_a_loyal_customer_makes_an_advocate() =>
        Given(Buy(Day(0)), Tier(Day(1), "gold"))
            .When(Refer(Day(3)))
            .ThenTransitions(T(RuleIds.AdvocateByReferral, Loyal, Advocate, Day(3)));

    [Fact]
    public void Purchases_keep_an_advocate_an_advocate() =>
        Given(Buy(Day(0)), Refer(Day(1)), Buy(Day(2)), Buy(Day(3)))
            .When(Buy(Day(4)))
            .Then(Advocate).ThenSince(Day(1))
            .ThenNoNewTransition();

    [Fact]
    public void Full_refund_of_the_only_purchase_keeps_the_customer_stage() =>
        Given(Buy(Day(0), 50m))
            .When(Refund(Day(2), 50m))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void A_refund_is_not_activity_that_resets_the_at_risk_timer() =>
        Given(Buy(Day(0), 50m), Refund(Day(60), 10m))
            .When(AdvanceTo(Day(91)))
            .ThenTransitions(T(RuleIds.InactiveAtRisk, Customer, AtRisk, Day(90)));
}
