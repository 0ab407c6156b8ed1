namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The stable id of every lifecycle rule. Each transition names exactly one of them; ids never change meaning,
/// so a transition stored years ago still reads correctly. docs/lifecycle.md is written from these comments.
/// "Purchase-like" means: a PurchaseCompleted, a SubscriptionStarted with a positive amount, or a
/// SubscriptionRenewed whose amount is positive (or absent, unless the subscription is known to be free).
/// </summary>
public static class RuleIds
{
    /// <summary>
    /// The first fact we hold about someone, when no other rule claims it (an ad, a visit, a complaint...):
    /// none → Prospect.
    /// </summary>
    public const string FirstTouch = "first-touch";

    /// <summary>LeadCaptured: none/Prospect → Engaged.</summary>
    public const string EngagedByLead = "engaged-by-lead";

    /// <summary>SignedUp: none/Prospect → Engaged.</summary>
    public const string EngagedBySignup = "engaged-by-signup";

    /// <summary>
    /// ContactDetailsProvided or SupportContacted before any purchase: none/Prospect → Engaged. Someone who
    /// talks to us before buying has raised a hand as surely as a lead; after a purchase these change nothing.
    /// </summary>
    public const string EngagedByContact = "engaged-by-contact";

    /// <summary>ReferralMade before any purchase: none/Prospect → Engaged (a referral is advocacy only from a customer).</summary>
    public const string EngagedByReferral = "engaged-by-referral";

    /// <summary>SubscriptionStarted without a positive amount (a free plan): none/Prospect → Engaged.</summary>
    public const string EngagedByFreeSubscription = "engaged-by-free-subscription";

    /// <summary>TrialStarted before any purchase: none/Prospect/Engaged → Trial. A customer trying a new plan stays where they are.</summary>
    public const string TrialStarted = "trial-started";

    /// <summary>
    /// TrialEnded with outcome Expired or Cancelled: Trial → Engaged. Outcome Converted changes nothing by
    /// itself: the payment that converts is its own fact (first-purchase).
    /// </summary>
    public const string TrialLapsed = "trial-lapsed";

    /// <summary>
    /// The first purchase-like fact: none/Prospect/Engaged/Trial → Customer. Always exactly Customer, even for a
    /// member, so the conversion is visible on the timeline. Starts a buying spell.
    /// </summary>
    public const string FirstPurchase = "first-purchase";

    /// <summary>A second purchase-like fact in the buying spell: Customer/WonBack → RepeatCustomer.</summary>
    public const string RepeatPurchase = "repeat-purchase";

    /// <summary>
    /// A purchase-like fact that brings the spell to at least LoyalMinPurchases (4) purchases within
    /// LoyalWindowDays (365) ending at that purchase: Customer/RepeatCustomer/WonBack → Loyal. Switch: LoyalByFrequencyEnabled.
    /// </summary>
    public const string LoyalByFrequency = "loyal-by-frequency";

    /// <summary>
    /// A customer holds a non-empty membership tier: Customer/RepeatCustomer/WonBack → Loyal, when the tier is
    /// granted (MembershipTierChanged) or, for a tier granted before the first purchase, at the next purchase
    /// after it. Losing the tier later does not demote. Switch: LoyalByMembershipEnabled.
    /// </summary>
    public const string LoyalByMembership = "loyal-by-membership";

    /// <summary>ReferralMade by a customer in good standing: Customer/RepeatCustomer/Loyal/WonBack → Advocate.</summary>
    public const string AdvocateByReferral = "advocate-by-referral";

    /// <summary>
    /// Time: AtRiskAfterDays (90) after the last purchase-like fact, with none since: good standing
    /// (Customer, RepeatCustomer, Loyal, Advocate, WonBack) → AtRisk. Switch: InactiveAtRiskEnabled.
    /// </summary>
    public const string InactiveAtRisk = "inactive-at-risk";

    /// <summary>
    /// Time: for a spell of at least OverdueMinPurchases (3) purchases, the last purchase plus
    /// max(OverdueMinDays (14), OverdueFactor (2.0) × median gap of the latest OverdueLookbackIntervals (12) gaps):
    /// good standing → AtRisk. Fires only if it comes before the other deadlines. Switch: OverdueAtRiskEnabled.
    /// </summary>
    public const string OverdueAtRisk = "overdue-at-risk";

    /// <summary>
    /// Time: a complaint of at least ComplaintMinSeverity (High) still open ComplaintOpenDays (14) after it was
    /// filed, at that moment: good standing → AtRisk. A complaint that crossed the threshold before the customer
    /// bought does not fire later. Resolving the complaint stops the timer; it does not recover an at-risk
    /// customer (only a purchase does). Switch: ComplaintAtRiskEnabled.
    /// </summary>
    public const string ComplaintAtRisk = "complaint-at-risk";

    /// <summary>
    /// An NPS answer of DetractorMaxScore (6) or less: good standing → AtRisk, at once. The answer is the
    /// customer telling us; waiting would only lose time. Switch: DetractorAtRiskEnabled.
    /// </summary>
    public const string DetractorAtRisk = "detractor-at-risk";

    /// <summary>Time: ChurnAfterDays (180) after the last purchase-like fact: good standing/AtRisk → Churned.</summary>
    public const string InactiveChurned = "inactive-churned";

    /// <summary>
    /// SubscriptionCancelled of a paid subscription that leaves no paid subscription active, for a customer in
    /// good standing or at risk who has not made a PurchaseCompleted since that subscription started (their
    /// relationship is the subscription): → Churned. Customers who also buy one-offs are left to the inactivity
    /// timers. Switch: SubscriptionCancelledChurnEnabled.
    /// </summary>
    public const string SubscriptionCancelledChurned = "subscription-cancelled-churned";

    /// <summary>A purchase-like fact after Churned: Churned → WonBack. Starts a fresh buying spell.</summary>
    public const string WonBack = "won-back";

    /// <summary>
    /// A purchase-like fact while AtRisk: AtRisk → the main-path stage the current spell justifies: Advocate if
    /// the customer referred someone in this spell, else Loyal if frequency or membership holds, else
    /// RepeatCustomer (the recovering purchase is at least the spell's second).
    /// </summary>
    public const string Recovered = "recovered";

    public static IReadOnlyList<string> All { get; } =
    [
        FirstTouch, EngagedByLead, EngagedBySignup, EngagedByContact, EngagedByReferral, EngagedByFreeSubscription,
        TrialStarted, TrialLapsed, FirstPurchase, RepeatPurchase, LoyalByFrequency, LoyalByMembership,
        AdvocateByReferral, InactiveAtRisk, OverdueAtRisk, ComplaintAtRisk, DetractorAtRisk, InactiveChurned,
        SubscriptionCancelledChurned, WonBack, Recovered,
    ];
}
