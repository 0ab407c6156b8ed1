using System.Collections.Immutable;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>What the tables hold of one customer before a page: the facts of the stream folded so far, the transition log, the mirror rows.</summary>
public sealed record JourneyHistory(
    IReadOnlyList<LifecycleFact> Facts, IReadOnlyList<StageTransition> Log, IReadOnlyList<SpellRow> Spells, IReadOnlyList<MonthRow> Months)
{
    public static JourneyHistory Empty { get; } = new([], [], [], []);
}

/// <summary>
/// A customer's mirror rows (spells, months) with the channel and cohort they are counted under: all of them
/// (<see cref="Complete"/>), or only those a page can touch (the open spell, the latest month's rows).
/// </summary>
public sealed record MirrorView(string Id, string? Channel, string? Cohort, IReadOnlyList<SpellRow> Spells, IReadOnlyList<MonthRow> Months, bool Complete);

/// <summary>What <see cref="JourneyFold.TryInOrder"/> could do with a page.</summary>
public enum InOrderOutcome
{
    /// <summary>Folded in place; the change is complete.</summary>
    Folded,

    /// <summary>Folded in place, but the change needs the customer's stored mirror rows (<see cref="JourneyFold.WithRows"/>).</summary>
    NeedsRows,

    /// <summary>Not foldable in place (a late fact): refold the customer from their history (<see cref="JourneyFold.Refold"/>).</summary>
    NeedsHistory,
}

/// <summary>A row of the transition log: the customer's n-th transition learned (1-based), as it stands now.</summary>
public readonly record struct LoggedTransition(int Ordinal, StageTransition Transition);

/// <summary>
/// What a page did to one customer: the journey after it (with the sequence of the last event folded in), the mirror
/// rows before and after (null before: none), the transitions learned and the ones superseded.
/// </summary>
public sealed record JourneyChange(
    CustomerJourney After, long Version, MirrorView? Before, MirrorView Mirror, IReadOnlyList<LoggedTransition> Learned, IReadOnlyList<LoggedTransition> Superseded)
{
    /// <summary>The new document as JSON, when the caller has serialised it already (in parallel, say).</summary>
    public string? Json { get; init; }
}

/// <summary>
/// Folds a customer's events of a page onto the stored journey. Pure: the caller loads the journey, and the history
/// when asked for it.
///
/// The in-order path (<see cref="TryInOrder"/>) is what nearly every event takes: a touchpoint that lands after every
/// fact and transition already believed evolves the bounded state in place, appends the transitions it causes, closes
/// the open spell and opens the next, and adds to its month's rows. Its cost does not depend on the customer's history.
/// When the customer's channel, cohort or first-seen month moves (every mirror row of the customer carries them; a
/// first purchase sets the cohort) the change is completed with the customer's stored rows (<see cref="WithRows"/>).
/// It declines when the page holds a late fact (business time before what the journey accounts for): then
/// <see cref="Refold"/> rebuilds the customer's journal from the history (facts from the stream, the transition log,
/// the mirror rows) and folds the page with <see cref="LifecycleJournal.Apply"/>, which supersedes what the late fact
/// shows wrong and learns the corrections. Both paths reach the journey, the log and the rows that folding the
/// customer's whole stream at once (<see cref="FromScratch"/>, the bulk rebuild) reaches.
/// </summary>
public static class JourneyFold
{
    /// <summary>
    /// Folds the page in place. <see cref="InOrderOutcome.NeedsHistory"/>: it holds a late fact, refold the customer
    /// (<see cref="Refold"/>). <see cref="InOrderOutcome.NeedsRows"/>: folded, but the customer's channel, cohort or
    /// first-seen month moved, which every row of theirs carries; complete the change with their rows
    /// (<see cref="WithRows"/>). The change is null when the page changes nothing (a tick for a customer never heard of,
    /// events already folded).
    /// </summary>
    public static InOrderOutcome TryInOrder(CustomerJourney? before, string id, IReadOnlyList<JourneyInput> inputs, RuleSet rules, out JourneyChange? change)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(rules);
        change = null;
        var fold = new InOrder(before, id, rules);
        foreach (var input in inputs)
        {
            if (!fold.Step(input))
            {
                return InOrderOutcome.NeedsHistory;
            }
        }

        return fold.Finish(out change);
    }

    /// <summary>
    /// An in-order change whose channel, cohort or first-seen month moved, completed with the customer's stored rows:
    /// every spell and month row is rewritten with the new values (and counted under them), the ones the page touched
    /// as the page left them.
    /// </summary>
    public static JourneyChange WithRows(CustomerJourney before, JourneyChange change, IReadOnlyList<SpellRow> spells, IReadOnlyList<MonthRow> months)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(spells);
        ArgumentNullException.ThrowIfNull(months);
        var after = change.After;
        var touchedSpells = change.Mirror.Spells.ToDictionary(s => s.Ordinal);
        var allSpells = spells
            .Where(s => !touchedSpells.ContainsKey(s.Ordinal))
            .Select(s => s with { Channel = after.AcquisitionChannel, Cohort = after.Cohort, FirstSeenMonth = after.FirstSeenMonth })
            .Concat(touchedSpells.Values)
            .OrderBy(s => s.Ordinal)
            .ToList();
        var touchedMonths = change.Mirror.Months.ToDictionary(m => (m.Month, m.Currency));
        var allMonths = months
            .Where(m => !touchedMonths.ContainsKey((m.Month, m.Currency)))
            .Select(m => m with { Cohort = after.Cohort })
            .Concat(touchedMonths.Values)
            .ToList();
        return change with
        {
            Before = new MirrorView(before.Id, before.AcquisitionChannel, before.Cohort, spells, months, Complete: true),
            Mirror = new MirrorView(after.Id, after.AcquisitionChannel, after.Cohort, allSpells, allMonths, Complete: true),
        };
    }

    /// <summary>
    /// The page folded onto the journal rebuilt from <paramref name="history"/>; null when there is still no journey.
    /// <paramref name="history"/> holds exactly what the tables hold for the customer through <paramref name="before"/>.
    /// </summary>
    public static JourneyChange? Refold(CustomerJourney? before, string id, JourneyHistory history, IReadOnlyList<JourneyInput> inputs, RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(rules);
        var through = before?.LastSequence ?? 0;
        var journal = before is null
            ? null
            : new LifecycleJournal
            {
                CustomerId = id,
                Rules = rules,
                Horizon = before.Horizon,
                Facts = [.. history.Facts.Where(f => f.Sequence <= through).Order(LifecycleFact.BusinessOrder)],
                State = before.State,
                Log = [.. history.Log],
                NextDueAt = before.NextDueAt,
                AccountedThroughAtHorizon = before.AccountedThroughAtHorizon,
            };
        foreach (var input in inputs.Where(i => i.Sequence > through))
        {
            journal = Step(journal, input, rules);
        }

        if (journal is null)
        {
            return null;
        }

        var after = CustomerJourney.Of(id, journal, Math.Max(through, inputs.Count == 0 ? 0 : inputs[^1].Sequence));
        var learned = new List<LoggedTransition>();
        var superseded = new List<LoggedTransition>();
        for (var i = 0; i < journal.Log.Count; i++)
        {
            if (i >= history.Log.Count)
            {
                learned.Add(new LoggedTransition(i + 1, journal.Log[i]));
            }
            else if (journal.Log[i].SupersededAt != history.Log[i].SupersededAt)
            {
                superseded.Add(new LoggedTransition(i + 1, journal.Log[i]));
            }
        }

        var beforeView = before is null ? null : new MirrorView(id, before.AcquisitionChannel, before.Cohort, history.Spells, history.Months, Complete: true);
        return new JourneyChange(after, after.LastSequence, beforeView, CompleteMirror(after, journal), learned, superseded);
    }

    /// <summary>A customer's whole slice folded from nothing (the bulk rebuild); null when it creates no journey.</summary>
    public static JourneyChange? FromScratch(string id, IReadOnlyList<JourneyInput> inputsInSequenceOrder, RuleSet rules) =>
        Refold(null, id, JourneyHistory.Empty, inputsInSequenceOrder, rules);

    /// <summary>Every mirror row of a journey, from its whole journal.</summary>
    public static MirrorView CompleteMirror(CustomerJourney journey, LifecycleJournal journal)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(journal);
        var timeline = journal.Timeline;
        var spells = timeline.Select((s, i) => SpellRow.Of(journey, i + 1, s.Stage, s.From, s.Until, s.EnteredBy)).ToList();
        var months = MonthActivity.Of(journal.Facts).Select(m => MonthRow.Of(journey, m)).ToList();
        return new MirrorView(journey.Id, journey.AcquisitionChannel, journey.Cohort, spells, months, Complete: true);
    }

    /// <summary>The journal after one event: a touchpoint starts it if need be; a tick for a customer never heard of creates nothing.</summary>
    internal static LifecycleJournal? Step(LifecycleJournal? journal, JourneyInput input, RuleSet rules) => input switch
    {
        { Touchpoint: { } touchpoint } => (journal ?? LifecycleJournal.Start(rules))
            .Apply(LifecycleFact.From(touchpoint, input.EventId, input.EventType, input.Sequence, input.Timestamp)),
        { TickAsOf: { } asOf } when journal is not null => journal.AdvanceTo(asOf),
        _ => journal,
    };

    /// <summary>The in-order fold of one page, step by step, mirroring <see cref="LifecycleJournal.AdvanceTo"/> and its in-order Apply.</summary>
    private sealed class InOrder(CustomerJourney? before, string id, RuleSet rules)
    {
        private readonly CustomerJourney? before = before;
        private CustomerJourney? journey = before;
        private readonly List<LoggedTransition> learned = [];
        private readonly List<StageTransition> opened = [];
        private readonly SortedDictionary<(string Month, string Currency), MonthActivity> months = new(MonthOrder);
        private DateTimeOffset? firstSeen = before?.FirstSeenAt;
        private long lastSequence = before?.LastSequence ?? 0;

        private static readonly Comparer<(string Month, string Currency)> MonthOrder = Comparer<(string Month, string Currency)>.Create(
            static (a, b) => string.CompareOrdinal(a.Month, b.Month) is not 0 and var m ? m : string.CompareOrdinal(a.Currency, b.Currency));

        /// <summary>False when the input cannot be folded in place.</summary>
        public bool Step(JourneyInput input)
        {
            if (input.Sequence <= lastSequence)
            {
                return true;
            }

            lastSequence = input.Sequence;
            switch (input)
            {
                case { Touchpoint: { } touchpoint }:
                    return Fact(LifecycleFact.From(touchpoint, input.EventId, input.EventType, input.Sequence, input.Timestamp));
                case { TickAsOf: { } asOf } when journey is not null:
                    return AdvanceTo(asOf);
                default:
                    return true;
            }
        }

        private bool Fact(LifecycleFact fact)
        {
            journey ??= new CustomerJourney { Id = id, RuleSetVersion = rules.Version };
            if (!string.Equals(fact.CustomerId, id, StringComparison.Ordinal))
            {
                throw new ArgumentException($"Fact {fact.EventId} is about customer {fact.CustomerId}, not {id}.", nameof(fact));
            }

            // Knowledge time never runs backwards, even if the store's timestamps do between concurrent commits.
            var knownAt = journey.Horizon > fact.RecordedAt ? journey.Horizon.Value : fact.RecordedAt;
            if (!AdvanceTo(knownAt))
            {
                return false;
            }

            var state = journey.State;
            if ((journey.LastFact is { } last && last.CompareTo(fact) <= 0) || fact.OccurredAt < state.Clock)
            {
                return false; // a late fact: the history has to be recomputed
            }

            var changes = new List<StageChange>();
            state = LifecycleEngine.Apply(state, fact, rules, changes);
            state = LifecycleEngine.AdvanceTo(state, knownAt, rules, changes);
            if (!Learn(changes, _ => knownAt))
            {
                return false;
            }

            firstSeen ??= fact.OccurredAt;
            if (MonthActivity.Of(fact) is { } activity)
            {
                AddMonth(activity);
            }

            journey = journey with
            {
                State = state,
                LastFact = FactPosition.Of(fact),
                Facts = journey.Facts + 1,
                NextDueAt = DeadlineRules.Next(state, rules)?.DueAt,
            };
            return true;
        }

        /// <summary>Every deadline due up to <paramref name="horizon"/>, each learned at its own due time.</summary>
        private bool AdvanceTo(DateTimeOffset horizon)
        {
            if (journey!.Horizon >= horizon)
            {
                return true;
            }

            var changes = new List<StageChange>();
            var state = LifecycleEngine.AdvanceTo(journey.State, horizon, rules, changes);
            if (!Learn(changes, c => c.EffectiveAt))
            {
                return false;
            }

            journey = journey with
            {
                Horizon = horizon,
                State = state,
                NextDueAt = DeadlineRules.Next(state, rules)?.DueAt,
                AccountedThroughAtHorizon = state.Clock ?? DateTimeOffset.MinValue,
            };
            return true;
        }

        private bool Learn(List<StageChange> changes, Func<StageChange, DateTimeOffset> learnedAt)
        {
            foreach (var change in changes)
            {
                var transition = StageTransition.Learned(change, learnedAt(change), isCorrection: false);
                // Appending keeps the timeline in business order only if the change sorts after the last believed one.
                if (journey!.OpenSpell is { } open && open.SortsAfter(transition))
                {
                    return false;
                }

                journey = journey with { Transitions = journey.Transitions + 1, Spells = journey.Spells + 1, OpenSpell = OpenSpell.Of(transition) };
                learned.Add(new LoggedTransition(journey.Transitions, transition));
                opened.Add(transition);
            }

            return true;
        }

        private void AddMonth(MonthActivity activity)
        {
            if (months.Count == 0)
            {
                foreach (var month in journey!.LatestMonths)
                {
                    months[(month.Month, month.Currency)] = month;
                }
            }

            var key = (activity.Month, activity.Currency);
            months[key] = months.TryGetValue(key, out var sum) ? sum.Plus(activity) : activity;
        }

        public InOrderOutcome Finish(out JourneyChange? change)
        {
            change = null;
            if (journey is null || (before is not null && lastSequence == before.LastSequence))
            {
                return InOrderOutcome.Folded; // nothing to fold: a tick for a customer never heard of, or events already folded
            }

            var latest = months.Count == 0 ? null : months.Keys.Last().Month;
            var after = (journey with
            {
                RuleSetVersion = rules.Version,
                LastSequence = lastSequence,
                LatestMonths = latest is null ? journey.LatestMonths : [.. months.Values.Where(m => m.Month == latest)],
            }).FirstSeen(firstSeen);
            change = new JourneyChange(after, lastSequence, BeforeView(), AfterView(after), learned, []);
            return before is not null
                && (after.AcquisitionChannel != before.AcquisitionChannel || after.Cohort != before.Cohort || after.FirstSeenMonth != before.FirstSeenMonth)
                ? InOrderOutcome.NeedsRows // every row of the customer carries these
                : InOrderOutcome.Folded;
        }

        /// <summary>The rows the page can touch, as stored before it: the open spell and the latest month's rows.</summary>
        private MirrorView? BeforeView()
        {
            if (before is null)
            {
                return null;
            }

            List<SpellRow> spells = before.OpenSpell is { } open
                ? [SpellRow.Of(before, before.Spells, open.Stage, open.From, null, open.EnteredBy)]
                : [];
            return new MirrorView(before.Id, before.AcquisitionChannel, before.Cohort, spells, [.. before.LatestMonths.Select(m => MonthRow.Of(before, m))], Complete: false);
        }

        /// <summary>The same rows after the page: the open spell closed, the new spells, every month row the page added to.</summary>
        private MirrorView AfterView(CustomerJourney after)
        {
            var spells = new List<SpellRow>();
            var ordinal = before?.Spells ?? 0;
            if (before?.OpenSpell is { } open)
            {
                spells.Add(SpellRow.Of(after, ordinal, open.Stage, open.From, opened.Count > 0 ? opened[0].EffectiveAt : null, open.EnteredBy));
            }

            for (var i = 0; i < opened.Count; i++)
            {
                var t = opened[i];
                spells.Add(SpellRow.Of(after, ++ordinal, t.To, t.EffectiveAt, i + 1 < opened.Count ? opened[i + 1].EffectiveAt : null, t.RuleId));
            }

            IEnumerable<MonthActivity> monthRows = months.Count > 0 ? months.Values : after.LatestMonths;
            return new MirrorView(after.Id, after.AcquisitionChannel, after.Cohort, spells, [.. monthRows.Select(m => MonthRow.Of(after, m))], Complete: before is null);
        }
    }
}
