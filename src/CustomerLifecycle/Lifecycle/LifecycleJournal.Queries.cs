using System.Text.Json.Serialization;

namespace CustomerLifecycle.Lifecycle;

// Read-only questions the audit API and the read models ask of a journal. All derived from the stored
// properties, so none of them is serialised.
public sealed partial record LifecycleJournal
{
    [JsonIgnore]
    public LifecycleStage? CurrentStage => State.Stage;

    [JsonIgnore]
    public DateTimeOffset? CurrentStageSince => State.StageSince;

    /// <summary>The transitions believed now, in business order.</summary>
    [JsonIgnore]
    public IReadOnlyList<StageTransition> History => Believed(Log);

    /// <summary>The transitions the journal believed at knowledge time <paramref name="knownAt"/>, in business order.</summary>
    public IReadOnlyList<StageTransition> HistoryAsKnownAt(DateTimeOffset knownAt) => BelievedAt(Log, knownAt);

    /// <summary>The transitions of a log believed now, in business order.</summary>
    public static IReadOnlyList<StageTransition> Believed(IEnumerable<StageTransition> log) =>
        [.. log.Where(t => t.SupersededAt is null).Order(StageTransition.BusinessOrder)];

    /// <summary>The transitions of a log believed at knowledge time <paramref name="knownAt"/>, in business order.</summary>
    public static IReadOnlyList<StageTransition> BelievedAt(IEnumerable<StageTransition> log, DateTimeOffset knownAt) =>
        [.. log.Where(t => t.WasBelievedAt(knownAt)).Order(StageTransition.BusinessOrder)];

    /// <summary>The stage at business time <paramref name="asOf"/> as we believe it now; null if not yet known to us.</summary>
    public LifecycleStage? StageAt(DateTimeOffset asOf) => StageAt(History, asOf);

    /// <summary>The stage at business time <paramref name="asOf"/> as the journal believed it at knowledge time <paramref name="knownAt"/>.</summary>
    public LifecycleStage? StageAt(DateTimeOffset asOf, DateTimeOffset knownAt) => StageAt(HistoryAsKnownAt(knownAt), asOf);

    /// <summary>The believed history as consecutive spells; the last one is open (Until is null).</summary>
    [JsonIgnore]
    public IReadOnlyList<StageSpell> Timeline => TimelineOf(History);

    /// <summary>A believed history (business order) as consecutive spells; the last one is open.</summary>
    public static IReadOnlyList<StageSpell> TimelineOf(IReadOnlyList<StageTransition> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return [.. history.Select((t, i) => new StageSpell(t.To, t.EffectiveAt, i + 1 < history.Count ? history[i + 1].EffectiveAt : null, t.RuleId))];
    }

    /// <summary>
    /// Time spent in each stage reached, measured up to the horizon: in total over all spells, and in the latest
    /// spell. Spells that begin after the horizon (future-dated facts) count as zero. Ordered by stage.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<TimeInStage> TimeInStages => TimeInStagesOf(Timeline, Horizon);

    /// <summary>Time spent in each stage of a timeline, measured up to <paramref name="horizonOrNull"/> (see <see cref="TimeInStages"/>).</summary>
    public static IReadOnlyList<TimeInStage> TimeInStagesOf(IReadOnlyList<StageSpell> timeline, DateTimeOffset? horizonOrNull)
    {
        ArgumentNullException.ThrowIfNull(timeline);
        {
            var horizon = horizonOrNull ?? DateTimeOffset.MinValue;
            TimeSpan Measured(StageSpell spell)
            {
                var end = spell.Until is { } until && until < horizon ? until : horizon;
                return end > spell.From ? end - spell.From : TimeSpan.Zero;
            }

            return [.. timeline
                .GroupBy(s => s.Stage)
                .OrderBy(g => g.Key)
                .Select(g => new TimeInStage(g.Key, new TimeSpan(g.Sum(s => Measured(s).Ticks)), g.Count(), g.Last().From, Measured(g.Last())))];
        }
    }

    /// <summary>Recomputes the history from the facts and compares it with what the journal believes.</summary>
    public HistoryComparison Verify() =>
        HistoryComparison.Compare(History, LifecycleEngine.Replay(Facts, Rules, Horizon ?? DateTimeOffset.MinValue).Changes);

    private static LifecycleStage? StageAt(IReadOnlyList<StageTransition> history, DateTimeOffset asOf)
    {
        LifecycleStage? stage = null;
        foreach (var transition in history)
        {
            if (transition.EffectiveAt > asOf)
            {
                break;
            }

            stage = transition.To;
        }

        return stage;
    }
}

/// <summary>A stretch of business time in one stage, and the rule that started it.</summary>
public sealed record StageSpell(LifecycleStage Stage, DateTimeOffset From, DateTimeOffset? Until, string EnteredBy);

public sealed record TimeInStage(LifecycleStage Stage, TimeSpan Total, int Spells, DateTimeOffset LatestSpellFrom, TimeSpan LatestSpell);
