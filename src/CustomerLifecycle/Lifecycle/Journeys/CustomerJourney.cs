using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// The stored read model of one customer's lifecycle: what the rules need for the next decision, and a few values
/// lifted out for PostgreSQL to filter, sort and aggregate on. Its size does not grow with the customer's history:
/// the facts stay in the customer's event stream, every transition ever believed is a row of
/// <see cref="JourneyTables.Transitions"/>, the stage timeline and monthly activity are rows of the mirror tables.
/// The document keeps only the state (bounded: recent purchases capped, subscriptions and complaints while open),
/// the horizon, where the last fact and the last believed transition sit in business order (an event that lands after
/// both is folded here alone; an earlier one re-folds the customer from the stream, <see cref="JourneyFold"/>), the
/// counts that number the next transition and spell rows, and the rows of the latest month with activity.
/// </summary>
public sealed record CustomerJourney
{
    public required string Id { get; init; }

    /// <summary>The version of the rule set that folded the last event into this journey.</summary>
    public required string RuleSetVersion { get; init; }

    /// <summary>The knowledge time the journey is evaluated through.</summary>
    public DateTimeOffset? Horizon { get; init; }

    public LifecycleState State { get; init; } = LifecycleState.Initial;

    /// <summary>When the next time-based rule falls due: the sweep looks for journeys due by now.</summary>
    public DateTimeOffset? NextDueAt { get; init; }

    /// <summary>See <see cref="LifecycleJournal.AccountedThroughAtHorizon"/>.</summary>
    public DateTimeOffset? AccountedThroughAtHorizon { get; init; }

    /// <summary>Where the latest fact sits in business order: a fact after it (and after the state's clock) is folded in place.</summary>
    public FactPosition? LastFact { get; init; }

    /// <summary>The global sequence of the last event folded in; events at or below it are already accounted for.</summary>
    public long LastSequence { get; init; }

    /// <summary>Facts folded in.</summary>
    public int Facts { get; init; }

    /// <summary>Rows in the transition log (believed and superseded); the next one gets this number plus one.</summary>
    public int Transitions { get; init; }

    /// <summary>The spell the customer is in: begun by the believed transition latest in business order.</summary>
    public OpenSpell? OpenSpell { get; init; }

    /// <summary>Believed transitions, i.e. spells of the timeline; the open one has this ordinal.</summary>
    public int Spells { get; init; }

    /// <summary>Activity of the latest month with any (one entry per currency); earlier months are rows of the months table only.</summary>
    public ImmutableList<MonthActivity> LatestMonths { get; init; } = [];

    public DateTimeOffset? FirstSeenAt { get; init; }

    /// <summary>Month (yyyy-MM, UTC) we first heard of the customer.</summary>
    public string? FirstSeenMonth { get; init; }

    // Values lifted out of the state for SQL (the writer fills their columns): derived, so not stored twice in the document.
    [JsonIgnore]
    public LifecycleStage? Stage => State.Stage;

    [JsonIgnore]
    public DateTimeOffset? StageSince => State.StageSince;

    [JsonIgnore]
    public DateTimeOffset? LastActivityAt => State.Counters.LastActivityAt;

    /// <summary>Channel and campaign of the first touch (null when the first thing we heard was, say, a purchase).</summary>
    [JsonIgnore]
    public string? AcquisitionChannel => State.Counters.FirstTouch?.Channel;

    [JsonIgnore]
    public string? AcquisitionCampaign => State.Counters.FirstTouch?.Campaign;

    /// <summary>Acquisition cohort: the month (yyyy-MM, UTC) of the first purchase; null before one.</summary>
    [JsonIgnore]
    public string? Cohort => State.Counters.FirstPurchaseAt is { } firstPurchase ? Month(firstPurchase) : null;

    [JsonIgnore]
    public int Purchases => State.Counters.Purchases;

    /// <summary>With the time of the first fact (in business order) and its month.</summary>
    internal CustomerJourney FirstSeen(DateTimeOffset? firstSeen) =>
        this with { FirstSeenAt = firstSeen, FirstSeenMonth = firstSeen is { } seen ? Month(seen) : null };

    /// <summary>The journey a whole journal amounts to (the full fold's result), through the event at <paramref name="lastSequence"/>.</summary>
    public static CustomerJourney Of(string id, LifecycleJournal journal, long lastSequence)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var history = journal.History;
        var months = MonthActivity.Of(journal.Facts);
        var latest = months.Count == 0 ? null : months[^1].Month;
        return new CustomerJourney
        {
            Id = id,
            RuleSetVersion = journal.Rules.Version,
            Horizon = journal.Horizon,
            State = journal.State,
            NextDueAt = journal.NextDueAt,
            AccountedThroughAtHorizon = journal.AccountedThroughAtHorizon,
            LastFact = journal.Facts.IsEmpty ? null : FactPosition.Of(journal.Facts[^1]),
            LastSequence = lastSequence,
            Facts = journal.Facts.Count,
            Transitions = journal.Log.Count,
            OpenSpell = history.Count == 0 ? null : OpenSpell.Of(history[^1]),
            Spells = history.Count,
            LatestMonths = [.. months.Where(m => m.Month == latest)],
        }.FirstSeen(journal.Facts.IsEmpty ? null : journal.Facts[0].OccurredAt);
    }

    public static string Month(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}

/// <summary>Where a fact sits in business order (<see cref="LifecycleFact.BusinessOrder"/>).</summary>
public sealed record FactPosition(DateTimeOffset OccurredAt, long Sequence, Guid EventId)
{
    public static FactPosition Of(LifecycleFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        return new(fact.OccurredAt, fact.Sequence, fact.EventId);
    }

    /// <summary>Positive when <paramref name="fact"/> comes after this position in business order.</summary>
    public int CompareTo(LifecycleFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        var byTime = fact.OccurredAt.CompareTo(OccurredAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var bySequence = fact.Sequence.CompareTo(Sequence);
        return bySequence != 0 ? bySequence : fact.EventId.CompareTo(EventId);
    }
}

/// <summary>
/// The open spell of a journey's timeline: its stage, start and entering rule, and where the transition that began it
/// sits among transitions at the same instant (<see cref="StageChange.BusinessOrder"/>).
/// </summary>
public sealed record OpenSpell(LifecycleStage Stage, DateTimeOffset From, string EnteredBy, int OrderKind, long OrderRank)
{
    public static OpenSpell Of(StageTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var (kind, rank) = transition.Cause.OrderWithinInstant(transition.To);
        return new(transition.To, transition.EffectiveAt, transition.RuleId, kind, rank);
    }

    /// <summary>Whether <paramref name="transition"/> sorts before the one that began this spell.</summary>
    public bool SortsAfter(StageTransition transition)
    {
        ArgumentNullException.ThrowIfNull(transition);
        var byTime = transition.EffectiveAt.CompareTo(From);
        return byTime != 0 ? byTime < 0 : transition.Cause.OrderWithinInstant(transition.To).CompareTo((OrderKind, OrderRank)) < 0;
    }
}

/// <summary>Purchases and net revenue (refunds subtracted) in one UTC month and currency.</summary>
public sealed record MonthActivity(string Month, string Currency, int Purchases, decimal Revenue)
{
    /// <summary>What one fact adds to its month: purchase-like facts count, refunds take revenue back; null for the rest.</summary>
    public static MonthActivity? Of(LifecycleFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        (string Currency, int Count, decimal Amount)? contribution = fact.Detail switch
        {
            Purchase p => (p.Currency, 1, p.Amount),
            Refund r => (r.Currency, 0, -r.Amount),
            SubscriptionStart { Amount: > 0, Currency: { } c } s => (c, 1, s.Amount!.Value),
            SubscriptionRenewal { Amount: > 0, Currency: { } c } s => (c, 1, s.Amount!.Value),
            _ => null,
        };
        return contribution is { } x ? new MonthActivity(CustomerJourney.Month(fact.OccurredAt), x.Currency.ToUpperInvariant(), x.Count, x.Amount) : null;
    }

    /// <summary>Every month and currency with activity, in month then currency order.</summary>
    public static ImmutableList<MonthActivity> Of(IEnumerable<LifecycleFact> facts) =>
    [
        .. facts
            .Select(Of)
            .OfType<MonthActivity>()
            .GroupBy(x => (x.Month, x.Currency))
            .OrderBy(g => g.Key.Month, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new MonthActivity(g.Key.Month, g.Key.Currency, g.Sum(x => x.Purchases), g.Sum(x => x.Revenue))),
    ];

    public MonthActivity Plus(MonthActivity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { Purchases = Purchases + other.Purchases, Revenue = Revenue + other.Revenue };
    }
}
