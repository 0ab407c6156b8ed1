using System.Text.Json.Serialization;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// A change of stage in business time: what the rules say happened, independent of when we came to know it.
/// Replay produces these; the journal wraps each one in a <see cref="StageTransition"/> that adds knowledge time.
/// </summary>
public sealed record StageChange(
    LifecycleStage? From,
    LifecycleStage To,
    string RuleId,
    string RuleSetVersion,
    DateTimeOffset EffectiveAt,
    TransitionCause Cause)
{
    /// <summary>
    /// The order changes happen in: by time; at one instant deadlines come before facts (a deadline due exactly
    /// when a fact occurs has already passed), an at-risk deadline before a churn one, and facts in store order.
    /// </summary>
    public static IComparer<StageChange> BusinessOrder { get; } =
        Comparer<StageChange>.Create(static (a, b) => TransitionCause.Compare(a.EffectiveAt, a.Cause, a.To, b.EffectiveAt, b.Cause, b.To));

    /// <summary>Two changes are the same change when this matches (the rule-set version does not take part).</summary>
    [JsonIgnore]
    public TransitionKey Key => new(From, To, RuleId, EffectiveAt, Cause.CauseEventId);
}

public readonly record struct TransitionKey(LifecycleStage? From, LifecycleStage To, string RuleId, DateTimeOffset EffectiveAt, Guid CauseEventId);

/// <summary>
/// One entry of the journal's log: a change as it was believed. <see cref="LearnedAt"/> is the knowledge time at
/// which the journal came to believe it, <see cref="SupersededAt"/> the knowledge time at which a later fact
/// showed it wrong (null while believed). <see cref="IsCorrection"/> marks a change that rewrote business time
/// already known when it was learned, i.e. one caused by a late fact.
/// </summary>
public sealed record StageTransition(
    LifecycleStage? From,
    LifecycleStage To,
    string RuleId,
    string RuleSetVersion,
    DateTimeOffset EffectiveAt,
    TransitionCause Cause,
    DateTimeOffset LearnedAt,
    bool IsCorrection,
    DateTimeOffset? SupersededAt)
{
    /// <summary>Same order as <see cref="StageChange.BusinessOrder"/>.</summary>
    public static IComparer<StageTransition> BusinessOrder { get; } =
        Comparer<StageTransition>.Create(static (a, b) => TransitionCause.Compare(a.EffectiveAt, a.Cause, a.To, b.EffectiveAt, b.Cause, b.To));

    [JsonIgnore]
    public StageChange Change => new(From, To, RuleId, RuleSetVersion, EffectiveAt, Cause);

    /// <summary>
    /// Believed for no time at all: produced and replaced at the same knowledge instant (facts sent together, folded
    /// in one by one). Kept so the log only grows, but no reader could ever have seen it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsWithdrawn => SupersededAt == LearnedAt;

    public bool WasBelievedAt(DateTimeOffset knownAt) => LearnedAt <= knownAt && (SupersededAt is null || SupersededAt > knownAt);

    internal static StageTransition Learned(StageChange change, DateTimeOffset learnedAt, bool isCorrection) =>
        new(change.From, change.To, change.RuleId, change.RuleSetVersion, change.EffectiveAt, change.Cause, learnedAt, isCorrection, null);
}

/// <summary>Why a stage changed: a fact, or a deadline that passed.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(EventCause), "event")]
[JsonDerivedType(typeof(DeadlineCause), "deadline")]
public abstract record TransitionCause
{
    private protected TransitionCause()
    {
    }

    /// <summary>The fact behind the change: the event itself, or the one that started the timer.</summary>
    [JsonIgnore]
    public abstract Guid CauseEventId { get; }

    internal abstract (int Kind, long Rank) OrderWithinInstant(LifecycleStage to);

    internal static int Compare(DateTimeOffset aAt, TransitionCause aCause, LifecycleStage aTo, DateTimeOffset bAt, TransitionCause bCause, LifecycleStage bTo)
    {
        var byTime = aAt.CompareTo(bAt);
        return byTime != 0 ? byTime : aCause.OrderWithinInstant(aTo).CompareTo(bCause.OrderWithinInstant(bTo));
    }
}

/// <summary>The stage changed because this fact occurred; the change is effective at its OccurredAt.</summary>
public sealed record EventCause(Guid EventId, string EventType, DateTimeOffset OccurredAt, long Sequence) : TransitionCause
{
    [JsonIgnore]
    public override Guid CauseEventId => EventId;

    internal static EventCause Of(LifecycleFact fact) => new(fact.EventId, fact.EventType, fact.OccurredAt, fact.Sequence);

    internal override (int Kind, long Rank) OrderWithinInstant(LifecycleStage to) => (1, Sequence);
}

/// <summary>
/// The stage changed because a deadline passed with nothing to stop it. <see cref="TimerStartedBy"/> is the fact
/// that started the clock (the last purchase-like fact, or the complaint); the change is effective at <see cref="DueAt"/>.
/// </summary>
public sealed record DeadlineCause(DeadlineKind Deadline, FactRef TimerStartedBy, DateTimeOffset DueAt) : TransitionCause
{
    [JsonIgnore]
    public override Guid CauseEventId => TimerStartedBy.EventId;

    internal override (int Kind, long Rank) OrderWithinInstant(LifecycleStage to) => (0, to == LifecycleStage.AtRisk ? 0 : 1);
}

public enum DeadlineKind
{
    /// <summary>No purchase-like activity for AtRiskAfterDays.</summary>
    InactiveAtRisk,

    /// <summary>A regular buyer is later than their own rhythm allows.</summary>
    Overdue,

    /// <summary>A serious complaint has stayed open too long.</summary>
    OpenComplaint,

    /// <summary>No purchase-like activity for ChurnAfterDays.</summary>
    InactiveChurn,
}
