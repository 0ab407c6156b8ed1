using System.Collections.Frozen;

namespace CustomerLifecycle.Ingestion;

/// <summary>
/// The wire names of the touchpoint types. The same name is the event type alias in the store, so the API,
/// the database and docs/events.md all speak one vocabulary, and renaming a C# record never breaks history.
/// </summary>
public static class TouchpointTypes
{
    public static readonly IReadOnlyList<(string Name, Type Type)> All =
    [
        ("ad_shown", typeof(AdShown)),
        ("ad_clicked", typeof(AdClicked)),
        ("site_visited", typeof(SiteVisited)),
        ("lead_captured", typeof(LeadCaptured)),
        ("signed_up", typeof(SignedUp)),
        ("contact_details_provided", typeof(ContactDetailsProvided)),
        ("trial_started", typeof(TrialStarted)),
        ("trial_ended", typeof(TrialEnded)),
        ("purchase_completed", typeof(PurchaseCompleted)),
        ("refund_issued", typeof(RefundIssued)),
        ("subscription_started", typeof(SubscriptionStarted)),
        ("subscription_renewed", typeof(SubscriptionRenewed)),
        ("subscription_cancelled", typeof(SubscriptionCancelled)),
        ("complaint_filed", typeof(ComplaintFiled)),
        ("complaint_resolved", typeof(ComplaintResolved)),
        ("survey_answered", typeof(SurveyAnswered)),
        ("support_contacted", typeof(SupportContacted)),
        ("referral_made", typeof(ReferralMade)),
        ("loyalty_points_earned", typeof(LoyaltyPointsEarned)),
        ("loyalty_points_redeemed", typeof(LoyaltyPointsRedeemed)),
        ("membership_tier_changed", typeof(MembershipTierChanged)),
    ];

    public static readonly FrozenDictionary<string, Type> ByName = All.ToFrozenDictionary(x => x.Name, x => x.Type, StringComparer.Ordinal);

    public static readonly FrozenDictionary<Type, string> NameOf = All.ToFrozenDictionary(x => x.Type, x => x.Name);
}
