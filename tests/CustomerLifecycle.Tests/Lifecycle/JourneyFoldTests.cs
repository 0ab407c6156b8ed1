using System.Text.Json;
using CsCheck;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// The bulk rebuild folds a customer's whole slice at once; the live projection folds whatever part of it a page holds, down to one event.
/// Both must reach the same document, or a rebuild would change what analysts see.
/// </summary>
public class JourneyFoldTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Json = new() { AllowOutOfOrderMetadataProperties = true };

    // One event of a generated slice: kind 0-5 a touchpoint, 6 a clock tick; business time and store time in minutes.
    internal sealed record Raw(int Kind, int OccurredMinutes, int LagMinutes, int Amount);

    internal static readonly Gen<Raw> RawEvent = Gen.Select(Gen.Int[0, 6], Gen.Int[0, 700 * 24 * 60], Gen.Int[0, 90 * 24 * 60], Gen.Int[1, 500])
        .Select((kind, occurred, lag, amount) => new Raw(kind, occurred, lag, amount));

    [Fact]
    public void Folding_a_slice_at_once_equals_evolving_event_by_event() =>
        RawEvent.List[1, 40].Sample(raws =>
        {
            var rules = RuleSet.Default;
            var events = ToEvents("c-1", raws);

            CustomerJourney? evolved = null;
            foreach (var e in events)
            {
                evolved = CustomerJourneyProjection.Evolve(evolved, "c-1", e, rules);
            }

            var folded = CustomerJourneyProjection.Fold("c-1", events.Select(e => JourneyInput.Of(e)!.Value), rules);

            Assert.Equal(Serialize(evolved), Serialize(folded));
        }, iter: 300);

    [Fact]
    public void A_tick_before_the_first_touchpoint_creates_no_journey()
    {
        var tick = new LifecycleClockTicked(Start, ["c-1"]);
        Assert.Null(CustomerJourneyProjection.Fold("c-1", [new JourneyInput(1, Guid.Empty, LifecycleClockTicked.EventTypeName, Start, null, tick.AsOf)], RuleSet.Default));
    }

    private static string Serialize(CustomerJourney? journey) => JsonSerializer.Serialize(journey, Json);

    internal static List<IEvent> ToEvents(string customer, IReadOnlyList<Raw> raws)
    {
        var events = new List<IEvent>();
        // Store time only moves forward (in sequence order); business time is anywhere before it, so facts arrive late.
        var recorded = Start.AddDays(30);
        for (var i = 0; i < raws.Count; i++)
        {
            var raw = raws[i];
            recorded = recorded.AddMinutes(raw.LagMinutes);
            var occurred = Start.AddMinutes(raw.OccurredMinutes);
            if (occurred > recorded)
            {
                occurred = recorded;
            }

            object data = raw.Kind switch
            {
                0 => new AdClicked(customer, occurred, "test", "search", "spring"),
                1 => new SignedUp(customer, occurred, "test"),
                2 or 3 => new PurchaseCompleted(customer, occurred, "test", $"o-{i}", raw.Amount, "EUR"),
                4 => new RefundIssued(customer, occurred, "test", $"o-{i - 1}", raw.Amount / 2m, "EUR"),
                5 => new SiteVisited(customer, occurred, "test"),
                // The sweep's per-customer deadline events, and the clock ticks that stores may still hold.
                _ when i % 2 == 0 => new LifecycleDeadlineReached(customer, recorded),
                _ => new LifecycleClockTicked(recorded, [customer]),
            };
            var type = data switch
            {
                LifecycleClockTicked => LifecycleClockTicked.EventTypeName,
                LifecycleDeadlineReached => LifecycleDeadlineReached.EventTypeName,
                _ => TouchpointTypes.All.Single(t => t.Type == data.GetType()).Name,
            };
            var e = (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(data.GetType()), data)!;
            e.Sequence = i + 1;
            e.Id = Guid.NewGuid();
            e.Timestamp = recorded;
            e.EventTypeName = type;
            events.Add(e);
        }

        return events;
    }
}
