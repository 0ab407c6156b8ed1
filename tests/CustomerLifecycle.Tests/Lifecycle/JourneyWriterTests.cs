using System.Globalization;
using System.Text.Json;
using CsCheck;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// The live projection folds pages of events and writes only what each page changed: transitions learned and
/// superseded, mirror rows that differ, and the net change of every count. Whatever the pages (late facts included),
/// the tables must end as the bulk rebuild fills them from scratch, and the journeys must equal folding each
/// customer's events at once.
/// </summary>
public class JourneyWriterTests
{
    private static readonly string[] Customers = ["c-1", "c-2", "c-3"];

    [Fact]
    public void Page_by_page_changes_add_up_to_the_tables_of_the_final_journeys() =>
        Gen.Select(JourneyFoldTests.RawEvent.Array[1, 25].Array[Customers.Length], Gen.Int[1, 12].Array[1, 20])
            .Sample((raws, pageSizes) =>
            {
                var events = Interleave(raws);
                var live = new ProjectionModel(RuleSet.Default);
                var start = 0;
                var pages = 0;
                while (start < events.Count)
                {
                    var size = pageSizes[pages++ % pageSizes.Length];
                    live.Page([.. events.Skip(start).Take(size)]);
                    start += size;
                }

                var (journeys, tables) = ProjectionModel.FromScratch(events, RuleSet.Default);
                Assert.Equal(tables.Describe(), live.Tables.Describe());
                Assert.Equal(journeys.Keys.Order(), live.Journeys.Keys.Order());
                foreach (var (id, journey) in journeys)
                {
                    Assert.Equal(ProjectionModel.Serialize(journey), ProjectionModel.Serialize(live.Journeys[id]));
                }
            }, iter: 200);

    [Fact]
    public void In_order_events_fold_in_place_and_a_new_cohort_reads_only_the_rows()
    {
        var events = JourneyFoldTests.ToEvents("c-1", [new(0, 100, 10, 1), new(1, 200, 10, 1), new(2, 300, 10, 40), new(2, 400, 10, 50)]);
        var live = new ProjectionModel(RuleSet.Default);
        foreach (var e in events)
        {
            live.Page([e]);
        }

        Assert.Equal(0, live.Refolds);
        Assert.Equal(1, live.RowLoads); // the first purchase gives the customer a cohort, which every row of theirs carries
        Assert.Equal(ProjectionModel.FromScratch(events, RuleSet.Default).Tables.Describe(), live.Tables.Describe());
    }

    [Fact]
    public void A_late_fact_refolds_the_customer_and_supersedes_what_it_shows_wrong()
    {
        // Sign-up on day 10 and a purchase on day 20 arrive first; then a purchase on day 5 arrives late.
        var events = JourneyFoldTests.ToEvents("c-1", [new(1, 10 * 1440, 30 * 1440, 1), new(2, 20 * 1440, 10, 40), new(2, 5 * 1440, 10, 30)]);
        var live = new ProjectionModel(RuleSet.Default);
        foreach (var e in events)
        {
            live.Page([e]);
        }

        Assert.Equal(1, live.Refolds);
        Assert.Equal(ProjectionModel.FromScratch(events, RuleSet.Default).Tables.Describe(), live.Tables.Describe());
        var history = live.Tables.History("c-1", []);
        Assert.Contains(history.Log, t => t.SupersededAt is not null);
        Assert.Contains(history.Log, t => t.IsCorrection);
    }

    [Fact]
    public void A_shorter_timeline_trims_the_spells_after_it_and_takes_back_their_counts()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
        SpellRow Spell(int ordinal, string stage, int from, int? until, string rule) =>
            new("c-1", ordinal, stage, t0.AddDays(from), until is { } u ? t0.AddDays(u) : null, rule, null, null, "2026-03");
        var before = new MirrorView("c-1", null, null,
            [Spell(1, "Prospect", 0, 1, "first-touch"), Spell(2, "Engaged", 1, 2, "sign-up"), Spell(3, "Customer", 2, null, "first-purchase")], [], Complete: true);
        // A late fact: the customer bought on day 1, so the engaged spell never happened.
        var after = before with { Spells = [Spell(1, "Prospect", 0, 1, "first-touch"), Spell(2, "Customer", 1, null, "first-purchase")] };

        var plan = JourneyWriter.Plan([(before, after)]);

        Assert.Equal(("c-1", 2), Assert.Single(plan.SpellTrims));
        Assert.Equal(2, Assert.Single(plan.SpellUpserts).Ordinal);
        var overall = plan.Flows.Where(f => f.Key.Breakdown == 0).ToDictionary(f => (f.Key.Stage, f.Key.Day.Day), f => f.Value);
        Assert.Equal(
            new Dictionary<(string, int), (long, long)>
            {
                [("Engaged", 2)] = (-1, 0), // the engaged spell's entry and exit are taken back
                [("Engaged", 3)] = (0, -1),
                [("Customer", 3)] = (-1, 0), // the customer spell now begins a day earlier
                [("Customer", 2)] = (1, 0),
            },
            overall);
    }

    [Fact]
    public void A_revenue_that_only_changes_scale_is_rewritten_and_counts_nothing()
    {
        var month = new MonthRow("c-1", "2026-03", "EUR", "2026-03", 1, 40m);
        var before = new MirrorView("c-1", null, "2026-03", [], [month], Complete: true);
        var after = before with { Months = [month with { Revenue = 40.00m }] };

        var plan = JourneyWriter.Plan([(before, after)]);

        Assert.Equal("40.00", Assert.Single(plan.MonthUpserts).Revenue.ToString(CultureInfo.InvariantCulture));
        Assert.Empty(plan.Activity);
        Assert.Empty(plan.Flows);
    }

    [Theory]
    [InlineData(1_234_565, 1_234_560)] // half a microsecond: to even
    [InlineData(1_234_575, 1_234_580)]
    [InlineData(9_999_999, 10_000_000)] // rounds into the next second
    [InlineData(5, 0)]
    public void Spell_instants_are_rounded_to_microseconds_half_to_even_as_casting_their_json_did(long fractionTicks, long expectedTicks)
    {
        var second = new DateTimeOffset(2026, 3, 1, 23, 59, 59, TimeSpan.Zero);
        Assert.Equal(second.AddTicks(expectedTicks), JourneyWriter.AsParsedFromJson(second.AddTicks(fractionTicks)));
    }

    /// <summary>Each customer's events merged in store-time order, numbered again as one store would.</summary>
    private static List<IEvent> Interleave(JourneyFoldTests.Raw[][] raws)
    {
        var events = Customers.Zip(raws).SelectMany(c => JourneyFoldTests.ToEvents(c.First, c.Second)).OrderBy(e => e.Timestamp).ToList();
        for (var i = 0; i < events.Count; i++)
        {
            events[i].Sequence = i + 1;
        }

        return events;
    }
}
