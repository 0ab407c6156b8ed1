using System.Collections.Immutable;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The per-customer counters the read models show. They follow the facts in business order, so a late fact
/// corrects them along with the stage history.
/// </summary>
public sealed record CustomerCounters
{
    public static CustomerCounters Empty { get; } = new();

    /// <summary>Purchase-like facts: orders plus paid subscription starts and renewals.</summary>
    public int Purchases { get; init; }

    /// <summary>PurchaseCompleted facts only.</summary>
    public int Orders { get; init; }

    /// <summary>Per currency (upper-case, ordinal order): orders and subscription payments, minus refunds.</summary>
    public ImmutableList<Money> NetRevenue { get; init; } = [];

    /// <summary>The earliest fact we hold, with its channel and campaign when it carries them.</summary>
    public FirstTouch? FirstTouch { get; init; }

    public DateTimeOffset? FirstPurchaseAt { get; init; }

    public DateTimeOffset? LastPurchaseAt { get; init; }

    /// <summary>The latest fact of any kind.</summary>
    public DateTimeOffset? LastActivityAt { get; init; }

    public int OpenComplaints { get; init; }

    public NpsAnswer? LastNps { get; init; }

    /// <summary>The current membership tier; null when none or removed.</summary>
    public string? MembershipTier { get; init; }

    public int Referrals { get; init; }

    /// <summary>Points earned minus points redeemed.</summary>
    public int LoyaltyPoints { get; init; }

    internal CustomerCounters Record(LifecycleFact fact, bool purchaseLike, int openComplaints)
    {
        var detail = fact.Detail;
        return this with
        {
            Purchases = Purchases + (purchaseLike ? 1 : 0),
            Orders = Orders + (detail is Purchase ? 1 : 0),
            NetRevenue = Revenue(detail, purchaseLike) is { } money ? AddRevenue(money) : NetRevenue,
            FirstTouch = FirstTouch ?? Lifecycle.FirstTouch.Of(fact),
            FirstPurchaseAt = purchaseLike ? FirstPurchaseAt ?? fact.OccurredAt : FirstPurchaseAt,
            LastPurchaseAt = purchaseLike ? fact.OccurredAt : LastPurchaseAt,
            LastActivityAt = fact.OccurredAt,
            OpenComplaints = openComplaints,
            LastNps = detail is SurveyAnswer { Survey: SurveyKind.Nps } nps ? new NpsAnswer(nps.Score, fact.OccurredAt) : LastNps,
            MembershipTier = detail is MembershipChange m ? (string.IsNullOrWhiteSpace(m.Tier) ? null : m.Tier) : MembershipTier,
            Referrals = Referrals + (detail is Referral ? 1 : 0),
            LoyaltyPoints = LoyaltyPoints + (detail is LoyaltyPointsChange p ? p.Points : 0),
        };
    }

    private static Money? Revenue(FactDetail detail, bool purchaseLike) => detail switch
    {
        Purchase p => new Money(p.Currency, p.Amount),
        Refund r => new Money(r.Currency, -r.Amount),
        SubscriptionStart { Amount: { } amount, Currency: { } currency } when purchaseLike => new Money(currency, amount),
        SubscriptionRenewal { Amount: { } amount, Currency: { } currency } when purchaseLike => new Money(currency, amount),
        _ => null,
    };

    private ImmutableList<Money> AddRevenue(Money money)
    {
        var currency = money.Currency.ToUpperInvariant();
        var index = NetRevenue.FindIndex(m => string.Equals(m.Currency, currency, StringComparison.Ordinal));
        if (index >= 0)
        {
            return NetRevenue.SetItem(index, NetRevenue[index] with { Amount = NetRevenue[index].Amount + money.Amount });
        }

        var at = NetRevenue.FindIndex(m => string.CompareOrdinal(m.Currency, currency) > 0);
        var entry = new Money(currency, money.Amount);
        return at < 0 ? NetRevenue.Add(entry) : NetRevenue.Insert(at, entry);
    }
}

public sealed record Money(string Currency, decimal Amount);

public sealed record FirstTouch(string EventType, DateTimeOffset OccurredAt, string? Channel, string? Campaign)
{
    internal static FirstTouch Of(LifecycleFact fact) => fact.Detail switch
    {
        Awareness a => new(fact.EventType, fact.OccurredAt, a.Channel, a.Campaign),
        Engagement e => new(fact.EventType, fact.OccurredAt, e.Channel, e.Campaign),
        _ => new(fact.EventType, fact.OccurredAt, null, null),
    };
}

public sealed record NpsAnswer(int Score, DateTimeOffset AnsweredAt);
