using System.Globalization;
using CustomerLifecycle.Ingestion.CustomerEvents;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.WebConsole.Shell;

namespace CustomerLifecycle.WebConsole.Customer360;

public enum TimelineKind
{
    Touchpoint,
    Transition,
}

/// <summary>One line of a customer's timeline, at its business time.</summary>
public sealed record TimelineEntry(DateTimeOffset At, TimelineKind Kind, string What, string Why, bool IsCorrection, DateTimeOffset? SupersededAt);

/// <summary>
/// A customer's touchpoints and stage transitions on one time line. Operators see the audit log (rule, rule-set
/// version, cause, corrections and superseded beliefs); readers see the stage spells the profile shows, which name
/// the rule that began each spell.
/// </summary>
public static class CustomerTimeline
{
    public static IReadOnlyList<TimelineEntry> Build(
        IEnumerable<StoredEvent> events, IEnumerable<StageTransition>? transitions, IEnumerable<StageSpell> spells)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(spells);
        var entries = events.Select(Touchpoint).ToList();
        entries.AddRange(transitions is null ? spells.Select(Spell) : transitions.Select(Transition));
        // Within one instant the fact comes first, then the change it caused.
        return [.. entries.OrderBy(e => e.At).ThenBy(e => e.Kind)];
    }

    private static TimelineEntry Touchpoint(StoredEvent e)
    {
        var data = e.Data is { Count: > 0 } fields ? fields.ToJsonString() + " · " : "";
        return new(e.OccurredAt ?? e.RecordedAt, TimelineKind.Touchpoint, e.Type,
            string.Create(CultureInfo.InvariantCulture, $"{data}from {e.Source ?? "unknown source"}, recorded {e.RecordedAt:yyyy-MM-dd HH:mm:ss} UTC, stream version {e.Version}"),
            false, null);
    }

    private static TimelineEntry Transition(StageTransition t) =>
        new(t.EffectiveAt, TimelineKind.Transition, $"{StageNames.Of(t.From)} → {StageNames.Of(t.To)}",
            $"rule {t.RuleId} (rule set {t.RuleSetVersion}), {Cause(t.Cause)}", t.IsCorrection, t.SupersededAt);

    private static TimelineEntry Spell(StageSpell s) =>
        new(s.From, TimelineKind.Transition, $"entered {StageNames.Of(s.Stage)}", $"rule {s.EnteredBy}", false, null);

    private static string Cause(TransitionCause cause) => cause switch
    {
        EventCause e => string.Create(CultureInfo.InvariantCulture, $"because of {e.EventType} at {e.OccurredAt:yyyy-MM-dd HH:mm:ss} UTC (event #{e.Sequence})"),
        DeadlineCause d => string.Create(CultureInfo.InvariantCulture,
            $"because the {d.Deadline} deadline passed at {d.DueAt:yyyy-MM-dd HH:mm:ss} UTC (timer started by {d.TimerStartedBy.EventType} at {d.TimerStartedBy.OccurredAt:yyyy-MM-dd HH:mm:ss} UTC)"),
        _ => cause.ToString(),
    };
}
