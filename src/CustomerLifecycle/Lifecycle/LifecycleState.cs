using System.Collections.Immutable;
using System.Text.Json.Serialization;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// Everything the rules need to decide the next transition, after folding facts in business order. Bounded in
/// size (recent purchases are capped, subscriptions and complaints only while open) so the journal document stays small.
/// </summary>
public sealed record LifecycleState
{
    public static LifecycleState Initial { get; } = new();

    public LifecycleStage? Stage { get; init; }

    public DateTimeOffset? StageSince { get; init; }

    /// <summary>OccurredAt of the last fact folded in; deadlines due at or before it can no longer fire.</summary>
    public DateTimeOffset? LastFactAt { get; init; }

    /// <summary>The current buying spell: since the first purchase, or since the last win-back. Null before any purchase.</summary>
    public BuyingSpell? Spell { get; init; }

    public ImmutableList<HeldSubscription> Subscriptions { get; init; } = [];

    public ImmutableList<OpenComplaint> OpenComplaints { get; init; } = [];

    /// <summary>OccurredAt of the last PurchaseCompleted (one-off order), for subscription-cancelled-churned.</summary>
    public DateTimeOffset? LastOrderAt { get; init; }

    public CustomerCounters Counters { get; init; } = CustomerCounters.Empty;

    /// <summary>The latest business time this state accounts for: its last fact or its last transition.</summary>
    [JsonIgnore]
    public DateTimeOffset? Clock => StageSince is null || LastFactAt > StageSince ? LastFactAt : StageSince;

    internal LifecycleState Enter(LifecycleStage stage, DateTimeOffset at) => this with { Stage = stage, StageSince = at };

    /// <summary>Folds a fact into everything but the stage; the stage is the rules' business.</summary>
    internal LifecycleState Record(LifecycleFact fact, bool purchaseLike, RuleSet rules)
    {
        var next = this with
        {
            LastFactAt = fact.OccurredAt,
            Spell = NextSpell(fact, purchaseLike, rules),
            Subscriptions = NextSubscriptions(fact.Detail, purchaseLike, fact.OccurredAt),
            OpenComplaints = NextComplaints(fact),
            LastOrderAt = fact.Detail is Purchase ? fact.OccurredAt : LastOrderAt,
        };
        return next with { Counters = Counters.Record(fact, purchaseLike, next.OpenComplaints.Count) };
    }

    internal HeldSubscription? FindSubscription(string subscriptionId) =>
        Subscriptions.Find(s => string.Equals(s.SubscriptionId, subscriptionId, StringComparison.Ordinal));

    private BuyingSpell? NextSpell(LifecycleFact fact, bool purchaseLike, RuleSet rules)
    {
        if (purchaseLike)
        {
            // A first purchase or a win-back starts afresh: the rhythm and loyalty of a lapsed relationship say
            // little about the new one, and the gap across the lapse would distort the median.
            return Spell is null || Stage is LifecycleStage.Churned || Stage.HasNotBought()
                ? BuyingSpell.Start(fact.Ref)
                : Spell.Add(fact.Ref, rules.RecentPurchasesKept);
        }

        var referralCounts = fact.Detail is Referral && Spell is not null && Stage.IsBuyingRelationship();
        return referralCounts ? Spell! with { HasReferred = true } : Spell;
    }

    private ImmutableList<HeldSubscription> NextSubscriptions(FactDetail detail, bool purchaseLike, DateTimeOffset at)
    {
        switch (detail)
        {
            case SubscriptionStart s:
                return Without(s.SubscriptionId).Add(new HeldSubscription(s.SubscriptionId, purchaseLike, at));
            case SubscriptionRenewal r when FindSubscription(r.SubscriptionId) is { } held:
                return purchaseLike && !held.Paid ? Subscriptions.Replace(held, held with { Paid = true }) : Subscriptions;
            case SubscriptionRenewal r:
                // Renewal of a subscription whose start we never saw: it is held from now on.
                return Subscriptions.Add(new HeldSubscription(r.SubscriptionId, purchaseLike, at));
            case SubscriptionCancellation c:
                return Without(c.SubscriptionId);
            default:
                return Subscriptions;
        }
    }

    private ImmutableList<HeldSubscription> Without(string subscriptionId) =>
        Subscriptions.RemoveAll(s => string.Equals(s.SubscriptionId, subscriptionId, StringComparison.Ordinal));

    private ImmutableList<OpenComplaint> NextComplaints(LifecycleFact fact) => fact.Detail switch
    {
        // A complaint filed twice keeps its first filing time: the customer has been waiting since then.
        ComplaintFiling f when OpenComplaints.Exists(c => Same(c, f.ComplaintId)) => OpenComplaints,
        ComplaintFiling f => OpenComplaints.Add(new OpenComplaint(f.ComplaintId, f.Severity, fact.Ref)),
        ComplaintResolution r => OpenComplaints.RemoveAll(c => Same(c, r.ComplaintId)),
        _ => OpenComplaints,
    };

    private static bool Same(OpenComplaint complaint, string id) => string.Equals(complaint.ComplaintId, id, StringComparison.Ordinal);
}

/// <summary>
/// A stretch of buying: from the first purchase (or a win-back) on. Repeat, loyalty, overdue and recovery all
/// count within the spell, so a won-back customer climbs the main path again from WonBack.
/// </summary>
/// <param name="LastPurchase">The purchase-like fact that starts the inactivity, overdue and churn timers.</param>
/// <param name="RecentPurchaseTimes">When the latest purchases happened (at most the rules' window, oldest first): the rhythm and loyalty rules read only these.</param>
public sealed record BuyingSpell(DateTimeOffset StartedAt, int Purchases, bool HasReferred, FactRef LastPurchase, ImmutableList<DateTimeOffset> RecentPurchaseTimes)
{
    internal static BuyingSpell Start(FactRef purchase) => new(purchase.OccurredAt, 1, false, purchase, [purchase.OccurredAt]);

    internal BuyingSpell Add(FactRef purchase, int keep)
    {
        var recent = RecentPurchaseTimes.Add(purchase.OccurredAt);
        return this with
        {
            Purchases = Purchases + 1,
            LastPurchase = purchase,
            RecentPurchaseTimes = recent.Count > keep ? recent.RemoveRange(0, recent.Count - keep) : recent,
        };
    }
}

/// <summary>A subscription that has started (or renewed) and not been cancelled.</summary>
public sealed record HeldSubscription(string SubscriptionId, bool Paid, DateTimeOffset StartedAt);

public sealed record OpenComplaint(string ComplaintId, ComplaintSeverity? Severity, FactRef FiledBy);
