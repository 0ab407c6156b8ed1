using System.Collections.Immutable;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// One customer's bitemporal lifecycle: the facts known so far (business order), the horizon (the knowledge time
/// evaluated through), the current state, and the log of every transition ever believed. The log only grows:
/// a transition shown wrong by a late fact gets <see cref="StageTransition.SupersededAt"/>, it is never removed.
/// Immutable and made of public init properties, so it is stored as a JSON document as it is.
///
/// Knowledge order is arrival order. Deadlines learned by advancing the horizon are learned at their due time,
/// not when a sweep happened to run, so the journal does not depend on sweep timing, as long as a sweep never
/// advances past a fact that is recorded but not yet applied (advance to the store's high-water mark, not the wall
/// clock). A fact applied behind the horizon is still handled honestly: its corrections are learned at the horizon.
/// </summary>
public sealed partial record LifecycleJournal
{
    /// <summary>Set by the first fact; every later fact must be about the same customer.</summary>
    public string? CustomerId { get; init; }

    public required RuleSet Rules { get; init; }

    /// <summary>The knowledge time the journal is evaluated through; null before anything happened.</summary>
    public DateTimeOffset? Horizon { get; init; }

    /// <summary>Every fact known, in business order.</summary>
    public ImmutableList<LifecycleFact> Facts { get; init; } = [];

    public LifecycleState State { get; init; } = LifecycleState.Initial;

    /// <summary>Every transition ever believed, in the order it was learned.</summary>
    public ImmutableList<StageTransition> Log { get; init; } = [];

    /// <summary>When a deadline falls due next (after the horizon): the time a sweep should come back.</summary>
    public DateTimeOffset? NextDueAt { get; init; }

    /// <summary>
    /// The business time accounted for when the horizon last moved forward, before any fact learned at that same
    /// instant was folded in. Facts sent together (one batch, one import) are learned at one instant; one of them
    /// landing before a transition its siblings just produced is not news to anyone, so it is no correction.
    /// </summary>
    public DateTimeOffset? AccountedThroughAtHorizon { get; init; }

    public static LifecycleJournal Start(RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        return new() { Rules = rules.EnsureValid() };
    }

    /// <summary>
    /// The history with full knowledge: every fact folded in business order, every deadline up to the horizon
    /// (and, between facts, up to the next fact) materialised. Facts are sorted and de-duplicated by event id.
    /// </summary>
    public static ReplayResult Replay(IEnumerable<LifecycleFact> factsInBusinessOrder, RuleSet rules, DateTimeOffset horizon)
    {
        ArgumentNullException.ThrowIfNull(factsInBusinessOrder);
        ArgumentNullException.ThrowIfNull(rules);
        var facts = factsInBusinessOrder.DistinctBy(f => f.EventId).Order(LifecycleFact.BusinessOrder);
        return LifecycleEngine.Replay(facts, rules.EnsureValid(), horizon);
    }

    /// <summary>
    /// The history as it stood at business time <paramref name="asOf"/>: only the facts that had happened by then
    /// (and, with <paramref name="knownAt"/>, had been recorded by then), every deadline up to <paramref name="asOf"/>.
    /// A plain <see cref="Replay"/> to a past horizon would still fold in every later fact.
    /// </summary>
    public static ReplayResult ReplayAsOf(IEnumerable<LifecycleFact> facts, RuleSet rules, DateTimeOffset asOf, DateTimeOffset? knownAt = null) =>
        Replay(KnownBy(facts, asOf, knownAt), rules, asOf);

    /// <summary>The facts that had happened by <paramref name="asOf"/> and, with <paramref name="knownAt"/>, had been recorded by then.</summary>
    public static IEnumerable<LifecycleFact> KnownBy(IEnumerable<LifecycleFact> facts, DateTimeOffset asOf, DateTimeOffset? knownAt = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Where(f => f.OccurredAt <= asOf && (knownAt is not { } known || f.RecordedAt <= known));
    }

    /// <summary>Start empty, apply every fact in arrival order, advance to the horizon.</summary>
    public static LifecycleJournal Rebuild(IEnumerable<LifecycleFact> factsInArrivalOrder, RuleSet rules, DateTimeOffset horizon)
    {
        ArgumentNullException.ThrowIfNull(factsInArrivalOrder);
        var journal = Start(rules);
        foreach (var fact in factsInArrivalOrder)
        {
            journal = journal.Apply(fact);
        }

        return journal.AdvanceTo(horizon);
    }

    /// <summary>
    /// Materialises every deadline due up to <paramref name="horizon"/>, each learned at its own due time.
    /// A horizon at or before the current one changes nothing.
    /// </summary>
    public LifecycleJournal AdvanceTo(DateTimeOffset horizon)
    {
        if (Horizon >= horizon)
        {
            return this;
        }

        var changes = new List<StageChange>();
        var state = LifecycleEngine.AdvanceTo(State, horizon, Rules, changes);
        return this with
        {
            Horizon = horizon,
            State = state,
            Log = Log.AddRange(changes.Select(c => StageTransition.Learned(c, c.EffectiveAt, isCorrection: false))),
            NextDueAt = NextDue(state),
            AccountedThroughAtHorizon = state.Clock ?? DateTimeOffset.MinValue,
        };
    }

    /// <summary>
    /// Learns a fact: first advances the horizon to its RecordedAt (deadlines that passed before we learned of
    /// it were believed), then folds it in. A fact that lands after everything known evolves the state in place;
    /// an earlier one recomputes the history and records the differences. Applying a known fact again is a no-op.
    /// </summary>
    public LifecycleJournal Apply(LifecycleFact fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (CustomerId is not null && !string.Equals(CustomerId, fact.CustomerId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Fact {fact.EventId} is about customer {fact.CustomerId}, not {CustomerId}.", nameof(fact));
        }

        if (Facts.BinarySearch(fact, LifecycleFact.BusinessOrder) >= 0)
        {
            return this;
        }
        // Knowledge time never runs backwards, even if the store's timestamps do between concurrent commits.
        var knownAt = Horizon > fact.RecordedAt ? Horizon.Value : fact.RecordedAt;
        var journal = AdvanceTo(knownAt) with { CustomerId = fact.CustomerId };
        return journal.FollowsEverythingKnown(fact) ? journal.Evolve(fact, knownAt) : journal.Correct(fact, knownAt);
    }

    /// <summary>
    /// True when no known fact and no believed transition lies after this fact in business time, so folding it
    /// into the current state gives exactly what a replay would.
    /// </summary>
    private bool FollowsEverythingKnown(LifecycleFact fact) =>
        (Facts.IsEmpty || LifecycleFact.BusinessOrder.Compare(fact, Facts[^1]) > 0) && !(fact.OccurredAt < State.Clock);

    /// <summary>The in-order path: O(log n) for the fact list, no history recomputed.</summary>
    private LifecycleJournal Evolve(LifecycleFact fact, DateTimeOffset knownAt)
    {
        var changes = new List<StageChange>();
        var state = LifecycleEngine.Apply(State, fact, Rules, changes);
        state = LifecycleEngine.AdvanceTo(state, knownAt, Rules, changes);
        return this with
        {
            Facts = Facts.Add(fact),
            State = state,
            Log = Log.AddRange(changes.Select(c => StageTransition.Learned(c, knownAt, isCorrection: false))),
            NextDueAt = NextDue(state),
        };
    }

    /// <summary>
    /// The late path: replays all facts (O(n) for n facts of this customer, typically a few hundred; cheaper than
    /// keeping state checkpoints in the document), then supersedes believed transitions the replay no longer
    /// produces and learns the ones it newly produces. A new one is a correction when it is effective at or before
    /// the business time the journal had already accounted for (its last fact or transition): it rewrites
    /// history we had told people about, rather than extending it.
    /// </summary>
    private LifecycleJournal Correct(LifecycleFact fact, DateTimeOffset knownAt)
    {
        var facts = Facts.Insert(~Facts.BinarySearch(fact, LifecycleFact.BusinessOrder), fact);
        var replay = LifecycleEngine.Replay(facts, Rules, knownAt);
        // Only what was known before this instant can be corrected (see AccountedThroughAtHorizon).
        var accountedThrough = AccountedThroughAtHorizon ?? State.Clock;

        var recomputed = CountKeys(replay.Changes.Select(c => c.Key));
        var believed = CountKeys(Log.Where(t => t.SupersededAt is null).Select(t => t.Change.Key));
        var log = Log.ToBuilder();
        for (var i = 0; i < log.Count; i++)
        {
            if (log[i].SupersededAt is null && !Take(recomputed, log[i].Change.Key))
            {
                log[i] = log[i] with { SupersededAt = knownAt };
            }
        }

        foreach (var change in replay.Changes)
        {
            if (!Take(believed, change.Key))
            {
                log.Add(StageTransition.Learned(change, knownAt, change.EffectiveAt <= accountedThrough));
            }
        }

        return this with { Facts = facts, State = replay.State, Log = log.ToImmutable(), NextDueAt = replay.NextDueAt };
    }

    private DateTimeOffset? NextDue(LifecycleState state) => DeadlineRules.Next(state, Rules)?.DueAt;

    private static Dictionary<TransitionKey, int> CountKeys(IEnumerable<TransitionKey> keys)
    {
        var counts = new Dictionary<TransitionKey, int>();
        foreach (var key in keys)
        {
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }

    private static bool Take(Dictionary<TransitionKey, int> counts, TransitionKey key)
    {
        if (counts.GetValueOrDefault(key) == 0)
        {
            return false;
        }

        counts[key]--;
        return true;
    }
}

/// <summary>The outcome of a replay: the final state, the history in business order, and when to look again.</summary>
public sealed record ReplayResult(LifecycleState State, ImmutableList<StageChange> Changes, DateTimeOffset? NextDueAt);
