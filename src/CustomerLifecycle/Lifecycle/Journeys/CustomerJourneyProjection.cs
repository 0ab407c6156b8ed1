using CustomerLifecycle.Ingestion;
using JasperFx.Events;
using Marten.Events.Projections;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// Folds every touchpoint, and every tick of the lifecycle clock, into the customer's <see cref="CustomerJourney"/>.
/// Asynchronous: ingestion writes the event tables directly at full speed and this catches up behind it (the
/// ingestion answer already tells the caller the event is stored; readers of lifecycle views see it a moment later).
/// Events arrive in global sequence order, which is the journal's knowledge order, so a rebuild reproduces exactly
/// what the live projection built, corrections and all.
/// </summary>
public sealed partial class CustomerJourneyProjection : MultiStreamProjection<CustomerJourney, string>
{
    public const string ProjectionName = "CustomerJourney";

    private readonly RuleSet rules;

    public CustomerJourneyProjection(RuleSet rules)
    {
        this.rules = rules;
        Name = ProjectionName;
        Identity<Touchpoint>(e => e.CustomerId);
        Identities<LifecycleClockTicked>(e => e.CustomerIds);
        foreach (var (_, type) in TouchpointTypes.All)
        {
            IncludeType(type);
        }

        IncludeType<LifecycleClockTicked>();
    }

    public override CustomerJourney? Evolve(CustomerJourney? snapshot, string id, IEvent e)
    {
        if (JourneyInput.Of(e) is not { } input)
        {
            return snapshot;
        }

        var journal = Step(snapshot?.Journal, input, rules);
        return journal is null ? snapshot : (snapshot ?? CustomerJourney.Start(id, rules)).With(journal);
    }

    /// <summary>
    /// One customer's whole slice at once, in sequence order: the document <see cref="Evolve"/> reaches event by event,
    /// without deriving the lifted values after every event (they depend on the journal alone, so deriving them once
    /// at the end gives the same document). The bulk rebuild folds customers this way.
    /// </summary>
    public static CustomerJourney? Fold(string id, IEnumerable<JourneyInput> inputsInSequenceOrder, RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(inputsInSequenceOrder);
        LifecycleJournal? journal = null;
        foreach (var input in inputsInSequenceOrder)
        {
            journal = Step(journal, input, rules);
        }

        return journal is null ? null : CustomerJourney.Start(id, rules).With(journal);
    }

    /// <summary>
    /// The journal after one event, shared by the live and the bulk path. A touchpoint starts the journal if need be;
    /// a tick for a customer we have never heard of (erased since, say) creates nothing.
    /// </summary>
    private static LifecycleJournal? Step(LifecycleJournal? journal, JourneyInput input, RuleSet rules) => input switch
    {
        { Touchpoint: { } touchpoint } => (journal ?? LifecycleJournal.Start(rules))
            .Apply(LifecycleFact.From(touchpoint, input.EventId, input.EventType, input.Sequence, input.Timestamp)),
        { TickAsOf: { } asOf } when journal is not null => journal.AdvanceTo(asOf),
        _ => journal,
    };
}

/// <summary>One event of a customer's slice: a touchpoint, or a clock tick that names the customer.</summary>
public readonly record struct JourneyInput(long Sequence, Guid EventId, string EventType, DateTimeOffset Timestamp, Touchpoint? Touchpoint, DateTimeOffset? TickAsOf)
{
    /// <summary>The input a stored event makes, or null for an event the journey projection does not fold.</summary>
    public static JourneyInput? Of(IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Data switch
        {
            Touchpoint touchpoint => new JourneyInput(e.Sequence, e.Id, e.EventTypeName, e.Timestamp, touchpoint, null),
            LifecycleClockTicked tick => new JourneyInput(e.Sequence, e.Id, e.EventTypeName, e.Timestamp, null, tick.AsOf),
            _ => null,
        };
    }
}
