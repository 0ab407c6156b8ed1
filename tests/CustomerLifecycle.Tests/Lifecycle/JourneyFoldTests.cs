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
    private static readonly JsonSerializerOptions Stored = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    // One event of a generated slice: kind 0-5 a touchpoint, 6 a clock tick; business time and store time in minutes.
    internal sealed record Raw(int Kind, int OccurredMinutes, int LagMinutes, int Amount);

    internal static readonly Gen<Raw> RawEvent = Gen.Select(Gen.Int[0, 6], Gen.Int[0, 700 * 24 * 60], Gen.Int[0, 90 * 24 * 60], Gen.Int[1, 500])
        .Select((kind, occurred, lag, amount) => new Raw(kind, occurred, lag, amount));

    [Fact]
    public void Folding_a_slice_at_once_equals_folding_it_event_by_event() =>
        RawEvent.List[1, 40].Sample(raws =>
        {
            var events = ToEvents("c-1", raws);
            var live = new ProjectionModel(RuleSet.Default);
            foreach (var e in events)
            {
                live.Page([e]);
            }

            var (journeys, tables) = ProjectionModel.FromScratch(events, RuleSet.Default);
            Assert.Equal(ProjectionModel.Serialize(journeys.GetValueOrDefault("c-1")), ProjectionModel.Serialize(live.Journeys.GetValueOrDefault("c-1")));
            Assert.Equal(tables.Describe(), live.Tables.Describe());
        }, iter: 300);

    [Fact]
    public void A_tick_before_the_first_touchpoint_creates_no_journey()
    {
        var tick = new LifecycleClockTicked(Start, ["c-1"]);
        Assert.Null(JourneyFold.FromScratch("c-1", [new JourneyInput(1, Guid.Empty, LifecycleClockTicked.EventTypeName, Start, null, tick.AsOf)], RuleSet.Default));
        Assert.Equal(InOrderOutcome.Folded, JourneyFold.TryInOrder(null, "c-1", [new JourneyInput(1, Guid.Empty, LifecycleClockTicked.EventTypeName, Start, null, tick.AsOf)], RuleSet.Default, out var change));
        Assert.Null(change);
    }

    [Fact]
    public void The_stored_journey_stays_small_whatever_the_history()
    {
        // 5,000 touchpoints of every kind, one an hour: the document keeps the state, not the history.
        var raws = Enumerable.Range(0, 5_000).Select(i => new Raw(i % 6, i * 60, 0, 1 + (i % 400))).ToList();
        var events = ToEvents("c-1", raws);
        var live = new ProjectionModel(RuleSet.Default);
        foreach (var page in events.Chunk(100))
        {
            live.Page(page);
        }

        // As the store writes it (camelCase, enums as words).
        var json = System.Text.Json.JsonSerializer.Serialize(live.Journeys["c-1"], Stored);
        var size = System.Text.Encoding.UTF8.GetByteCount(json);
        Assert.True(size <= 2048, $"the journey after 5,000 events is {size} bytes of JSON: {json}");
    }

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
