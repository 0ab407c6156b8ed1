using System.Text.Json.Serialization;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The part of one stored touchpoint that the lifecycle rules read, plus where it sits in both time axes:
/// <see cref="OccurredAt"/> (business time) and <see cref="RecordedAt"/> (when we learned of it, the store's
/// timestamp). <see cref="Sequence"/> is the global store order: the order in which the journal learns facts,
/// and the tie-breaker for facts that occurred at the same instant.
/// </summary>
public sealed record LifecycleFact(
    string CustomerId,
    Guid EventId,
    string EventType,
    long Sequence,
    DateTimeOffset OccurredAt,
    DateTimeOffset RecordedAt,
    FactDetail Detail)
{
    /// <summary>Business order: when it happened, then store order, then id so the order is total.</summary>
    public static IComparer<LifecycleFact> BusinessOrder { get; } = Comparer<LifecycleFact>.Create(static (a, b) =>
    {
        var byTime = a.OccurredAt.CompareTo(b.OccurredAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var bySequence = a.Sequence.CompareTo(b.Sequence);
        return bySequence != 0 ? bySequence : a.EventId.CompareTo(b.EventId);
    });

    public static LifecycleFact From(Touchpoint evt, Guid eventId, string eventType, long sequence, DateTimeOffset recordedAt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentException.ThrowIfNullOrWhiteSpace(eventType);
        return new(evt.CustomerId, eventId, eventType, sequence, evt.OccurredAt, recordedAt, FactDetail.Of(evt));
    }

    internal FactRef Ref => new(EventId, EventType, OccurredAt, Sequence);
}

/// <summary>A pointer to the fact that caused something, kept small so causes can be stored with every transition.</summary>
public sealed record FactRef(Guid EventId, string EventType, DateTimeOffset OccurredAt, long Sequence);

/// <summary>
/// The kind-specific values of a fact. Closed: the rules switch over these and nothing else, and a fact can only
/// carry the values its kind has (a purchase always has an amount, a complaint resolution never has one).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(Awareness), "awareness")]
[JsonDerivedType(typeof(Engagement), "engagement")]
[JsonDerivedType(typeof(TrialStart), "trialStart")]
[JsonDerivedType(typeof(TrialEnd), "trialEnd")]
[JsonDerivedType(typeof(Purchase), "purchase")]
[JsonDerivedType(typeof(Refund), "refund")]
[JsonDerivedType(typeof(SubscriptionStart), "subscriptionStart")]
[JsonDerivedType(typeof(SubscriptionRenewal), "subscriptionRenewal")]
[JsonDerivedType(typeof(SubscriptionCancellation), "subscriptionCancellation")]
[JsonDerivedType(typeof(ComplaintFiling), "complaintFiling")]
[JsonDerivedType(typeof(ComplaintResolution), "complaintResolution")]
[JsonDerivedType(typeof(SurveyAnswer), "surveyAnswer")]
[JsonDerivedType(typeof(Referral), "referral")]
[JsonDerivedType(typeof(MembershipChange), "membershipChange")]
[JsonDerivedType(typeof(LoyaltyPointsChange), "loyaltyPointsChange")]
public abstract record FactDetail
{
    private protected FactDetail()
    {
    }

    internal static FactDetail Of(Touchpoint evt) => evt switch
    {
        AdShown e => new Awareness(e.Channel, e.Campaign),
        AdClicked e => new Awareness(e.Channel, e.Campaign),
        SiteVisited e => new Awareness(e.Channel, e.Campaign),
        LeadCaptured e => new Engagement(EngagementKind.Lead, e.Channel, e.Campaign),
        SignedUp e => new Engagement(EngagementKind.SignUp, e.Channel, e.Campaign),
        // Name, email and phone stay in the event: erasure masks that event and no rule ever needs them.
        ContactDetailsProvided => new Engagement(EngagementKind.ContactDetails, null, null),
        // A support channel (phone, chat) is not an acquisition channel, so it is not kept for attribution.
        SupportContacted => new Engagement(EngagementKind.SupportContact, null, null),
        TrialStarted => new TrialStart(),
        TrialEnded e => new TrialEnd(e.Outcome),
        PurchaseCompleted e => new Purchase(e.OrderId, e.Amount, e.Currency),
        RefundIssued e => new Refund(e.OrderId, e.Amount, e.Currency),
        SubscriptionStarted e => new SubscriptionStart(e.SubscriptionId, e.Amount, e.Currency),
        SubscriptionRenewed e => new SubscriptionRenewal(e.SubscriptionId, e.Amount, e.Currency),
        SubscriptionCancelled e => new SubscriptionCancellation(e.SubscriptionId),
        ComplaintFiled e => new ComplaintFiling(e.ComplaintId, e.Severity),
        ComplaintResolved e => new ComplaintResolution(e.ComplaintId),
        SurveyAnswered e => new SurveyAnswer(e.Kind, e.Score),
        ReferralMade e => new Referral(e.ReferredCustomerId),
        MembershipTierChanged e => new MembershipChange(e.Tier),
        LoyaltyPointsEarned e => new LoyaltyPointsChange(e.Points),
        LoyaltyPointsRedeemed e => new LoyaltyPointsChange(-e.Points),
        _ => throw new ArgumentOutOfRangeException(nameof(evt), evt.GetType().Name, "Not a touchpoint the lifecycle knows."),
    };
}

public enum EngagementKind { Lead, SignUp, ContactDetails, SupportContact }

/// <summary>AdShown, AdClicked, SiteVisited: the customer has seen us.</summary>
public sealed record Awareness(string? Channel, string? Campaign) : FactDetail;

/// <summary>LeadCaptured, SignedUp, ContactDetailsProvided, SupportContacted: the customer raised a hand.</summary>
public sealed record Engagement(EngagementKind Kind, string? Channel, string? Campaign) : FactDetail;

public sealed record TrialStart : FactDetail;

public sealed record TrialEnd(TrialOutcome Outcome) : FactDetail;

public sealed record Purchase(string OrderId, decimal Amount, string Currency) : FactDetail;

public sealed record Refund(string OrderId, decimal Amount, string Currency) : FactDetail;

public sealed record SubscriptionStart(string SubscriptionId, decimal? Amount, string? Currency) : FactDetail;

public sealed record SubscriptionRenewal(string SubscriptionId, decimal? Amount, string? Currency) : FactDetail;

public sealed record SubscriptionCancellation(string SubscriptionId) : FactDetail;

public sealed record ComplaintFiling(string ComplaintId, ComplaintSeverity? Severity) : FactDetail;

public sealed record ComplaintResolution(string ComplaintId) : FactDetail;

public sealed record SurveyAnswer(SurveyKind Survey, int Score) : FactDetail;

public sealed record Referral(string ReferredCustomerId) : FactDetail;

public sealed record MembershipChange(string Tier) : FactDetail;

/// <summary>Points earned (positive) or redeemed (negative); only the read models use them.</summary>
public sealed record LoyaltyPointsChange(int Points) : FactDetail;
