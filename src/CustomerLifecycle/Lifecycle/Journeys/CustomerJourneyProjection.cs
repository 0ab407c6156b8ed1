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
        switch (e.Data)
        {
            case Touchpoint touchpoint:
                var journey = snapshot ?? CustomerJourney.Start(id, rules);
                var fact = LifecycleFact.From(touchpoint, e.Id, e.EventTypeName, e.Sequence, e.Timestamp);
                return journey.With(journey.Journal.Apply(fact));

            // A tick for a customer we have never heard of (erased since, say) creates nothing.
            case LifecycleClockTicked tick when snapshot is not null:
                return snapshot.With(snapshot.Journal.AdvanceTo(tick.AsOf));

            default:
                return snapshot;
        }
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
            if (input.Touchpoint is { } touchpoint)
            {
                journal ??= LifecycleJournal.Start(rules);
                journal = journal.Apply(LifecycleFact.From(touchpoint, input.EventId, input.EventType, input.Sequence, input.Timestamp));
            }
            else if (journal is not null && input.TickAsOf is { } asOf)
            {
                journal = journal.AdvanceTo(asOf);
            }
        }

        return journal is null ? null : CustomerJourney.Start(id, rules).With(journal);
    }
}

/// <summary>One event of a customer's slice: a touchpoint, or a clock tick that names the customer.</summary>
public readonly record struct JourneyInput(long Sequence, Guid EventId, string EventType, DateTimeOffset Timestamp, Touchpoint? Touchpoint, DateTimeOffset? TickAsOf);
