using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Lifecycle.LifecycleStage;
using static CustomerLifecycle.Tests.Lifecycle.Scenario;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

// first-touch, engaged-by-*, trial-started, trial-lapsed.
public class AcquisitionRulesTests
{
    [Fact]
    public void First_touch_makes_an_unknown_person_a_prospect() =>
        Given()
            .When(Ad(Day(0)))
            .Then(Prospect).ThenSince(Day(0))
            .ThenTransitions(T(RuleIds.FirstTouch, null, Prospect, Day(0)));

    [Fact]
    public void A_complaint_as_first_touch_makes_a_prospect() =>
        Given()
            .When(Complain(Day(0)))
            .ThenTransitions(T(RuleIds.FirstTouch, null, Prospect, Day(0)));

    [Fact]
    public void Further_awareness_keeps_a_prospect_a_prospect() =>
        Given(Ad(Day(0)))
            .When(Visit(Day(1)))
            .Then(Prospect).ThenSince(Day(0))
            .ThenNoNewTransition();

    [Fact]
    public void Captured_lead_makes_a_prospect_engaged() =>
        Given(Ad(Day(0)))
            .When(Lead(Day(1)))
            .Then(Engaged)
            .ThenTransitions(T(RuleIds.EngagedByLead, Prospect, Engaged, Day(1)));

    [Fact]
    public void Sign_up_makes_a_prospect_engaged() =>
        Given(Ad(Day(0)))
            .When(SignUp(Day(2)))
            .ThenTransitions(T(RuleIds.EngagedBySignup, Prospect, Engaged, Day(2)));

    [Fact]
    public void Sign_up_as_first_touch_engages_directly() =>
        Given()
            .When(SignUp(Day(0)))
            .ThenTransitions(T(RuleIds.EngagedBySignup, null, Engaged, Day(0)));

    [Fact]
    public void Support_contact_before_any_purchase_engages_a_prospect() =>
        Given(Ad(Day(0)))
            .When(ContactSupport(Day(1)))
            .ThenTransitions(T(RuleIds.EngagedByContact, Prospect, Engaged, Day(1)));

    [Fact]
    public void Contact_details_as_first_touch_engage_directly() =>
        Given()
            .When(ContactDetails(Day(0)))
            .ThenTransitions(T(RuleIds.EngagedByContact, null, Engaged, Day(0)));

    [Fact]
    public void Support_contact_after_a_purchase_changes_nothing() =>
        Given(Buy(Day(0)))
            .When(ContactSupport(Day(1)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Fact]
    public void Referral_before_any_purchase_is_engagement() =>
        Given(Ad(Day(0)))
            .When(Refer(Day(1)))
            .Then(Engaged)
            .ThenTransitions(T(RuleIds.EngagedByReferral, Prospect, Engaged, Day(1)));

    [Fact]
    public void Free_subscription_engages_a_prospect() =>
        Given(Ad(Day(0)))
            .When(Subscribe(Day(1), amount: null))
            .Then(Engaged)
            .ThenTransitions(T(RuleIds.EngagedByFreeSubscription, Prospect, Engaged, Day(1)));

    [Fact]
    public void Engagement_signals_do_not_repeat_for_the_engaged() =>
        Given(SignUp(Day(0)))
            .When(Lead(Day(1)))
            .Then(Engaged).ThenSince(Day(0))
            .ThenNoNewTransition();

    [Fact]
    public void Trial_start_moves_an_engaged_prospect_to_trial() =>
        Given(SignUp(Day(0)))
            .When(TrialStart(Day(1)))
            .Then(Trial)
            .ThenTransitions(T(RuleIds.TrialStarted, Engaged, Trial, Day(1)));

    [Fact]
    public void Trial_start_as_first_touch_starts_a_trial() =>
        Given()
            .When(TrialStart(Day(0)))
            .ThenTransitions(T(RuleIds.TrialStarted, null, Trial, Day(0)));

    [Fact]
    public void Trial_start_by_a_customer_keeps_them_a_customer() =>
        Given(Buy(Day(0)))
            .When(TrialStart(Day(1)))
            .Then(Customer)
            .ThenNoNewTransition();

    [Theory]
    [InlineData(TrialOutcome.Expired)]
    [InlineData(TrialOutcome.Cancelled)]
    public void Trial_that_ends_without_purchase_returns_to_engaged(TrialOutcome outcome) =>
        Given(SignUp(Day(0)), TrialStart(Day(1)))
            .When(TrialEnd(Day(15), outcome))
            .Then(Engaged)
            .ThenTransitions(T(RuleIds.TrialLapsed, Trial, Engaged, Day(15)));

    [Fact]
    public void Converted_trial_end_waits_for_the_payment() =>
        Given(SignUp(Day(0)), TrialStart(Day(1)))
            .When(TrialEnd(Day(15), TrialOutcome.Converted))
            .Then(Trial)
            .ThenNoNewTransition()
            .And(Subscribe(Day(15)))
            .Then(Customer)
            .ThenTransitions(T(RuleIds.FirstPurchase, Trial, Customer, Day(15)));
}
