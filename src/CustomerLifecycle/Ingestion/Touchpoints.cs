namespace CustomerLifecycle.Ingestion;

// The event catalogue: every touchpoint a service team can post, as an immutable past-tense fact about one
// customer (the stream key) at a business time (OccurredAt, clock-skew corrected), reported by a Source.
// Provenance that is not business fact (client event id, raw occurredAt and sentAt) travels as event headers;
// the time we received an event is the event's own timestamp in the store. docs/events.md is the reference.
//
// Personal data (name, email, phone) lives ONLY in ContactDetailsProvided, which no lifecycle rule reads, so
// erasure can mask that one event type and the rest of history stays intact.

public abstract record Touchpoint(string CustomerId, DateTimeOffset OccurredAt, string Source);

// Acquisition: the customer becomes aware of us.
public sealed record AdShown(string CustomerId, DateTimeOffset OccurredAt, string Source, string Channel, string? Campaign = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record AdClicked(string CustomerId, DateTimeOffset OccurredAt, string Source, string Channel, string? Campaign = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record SiteVisited(string CustomerId, DateTimeOffset OccurredAt, string Source, string? Page = null, string? Channel = null, string? Campaign = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

// Engagement: the customer raises a hand.
public sealed record LeadCaptured(string CustomerId, DateTimeOffset OccurredAt, string Source, string? Channel = null, string? Campaign = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record SignedUp(string CustomerId, DateTimeOffset OccurredAt, string Source, string? Channel = null, string? Campaign = null, string? Plan = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record ContactDetailsProvided(string CustomerId, DateTimeOffset OccurredAt, string Source, string? Name = null, string? Email = null, string? Phone = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record TrialStarted(string CustomerId, DateTimeOffset OccurredAt, string Source, string? Plan = null, DateTimeOffset? EndsAt = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record TrialEnded(string CustomerId, DateTimeOffset OccurredAt, string Source, TrialOutcome Outcome, string? Plan = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public enum TrialOutcome { Converted, Expired, Cancelled }

// Conversion and revenue.
public sealed record PurchaseCompleted(
    string CustomerId, DateTimeOffset OccurredAt, string Source,
    string OrderId, decimal Amount, string Currency, IReadOnlyList<PurchasedItem>? Items = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record PurchasedItem(int Quantity, string? Sku = null, string? Category = null, decimal? UnitPrice = null);

public sealed record RefundIssued(string CustomerId, DateTimeOffset OccurredAt, string Source, string OrderId, decimal Amount, string Currency, string? Reason = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record SubscriptionStarted(
    string CustomerId, DateTimeOffset OccurredAt, string Source,
    string SubscriptionId, string Plan, decimal? Amount = null, string? Currency = null, BillingInterval? Interval = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public enum BillingInterval { Week, Month, Quarter, Year }

public sealed record SubscriptionRenewed(string CustomerId, DateTimeOffset OccurredAt, string Source, string SubscriptionId, decimal? Amount = null, string? Currency = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record SubscriptionCancelled(string CustomerId, DateTimeOffset OccurredAt, string Source, string SubscriptionId, string? Reason = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

// Service and sentiment.
public sealed record ComplaintFiled(string CustomerId, DateTimeOffset OccurredAt, string Source, string ComplaintId, string? Category = null, ComplaintSeverity? Severity = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public enum ComplaintSeverity { Low, Medium, High, Critical }

public sealed record ComplaintResolved(string CustomerId, DateTimeOffset OccurredAt, string Source, string ComplaintId, string? Resolution = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record SurveyAnswered(string CustomerId, DateTimeOffset OccurredAt, string Source, string SurveyId, SurveyKind Kind, int Score)
    : Touchpoint(CustomerId, OccurredAt, Source);

// NPS is scored 0..10 (promoter 9-10, detractor 0-6); CSAT 1..5.
public enum SurveyKind { Nps, Csat }

public sealed record SupportContacted(string CustomerId, DateTimeOffset OccurredAt, string Source, string Channel, string? Topic = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

// Advocacy and loyalty.
public sealed record ReferralMade(string CustomerId, DateTimeOffset OccurredAt, string Source, string ReferredCustomerId, string? Channel = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record LoyaltyPointsEarned(string CustomerId, DateTimeOffset OccurredAt, string Source, int Points, string? Reason = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record LoyaltyPointsRedeemed(string CustomerId, DateTimeOffset OccurredAt, string Source, int Points, string? Reason = null)
    : Touchpoint(CustomerId, OccurredAt, Source);

public sealed record MembershipTierChanged(string CustomerId, DateTimeOffset OccurredAt, string Source, string Tier, string? PreviousTier = null)
    : Touchpoint(CustomerId, OccurredAt, Source);
