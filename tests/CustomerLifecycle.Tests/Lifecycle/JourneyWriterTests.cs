using System.Globalization;
using System.Text.Json;
using CsCheck;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// The live projection folds pages of events and writes only what each page changed: mirror rows that differ and the
/// net change of every count. Whatever the pages, the tables must end as a fresh derivation from the final journeys
/// would fill them (that is what the bulk rebuild writes), and the journeys themselves must equal folding each
/// customer's events at once.
/// </summary>
public class JourneyWriterTests
{
    private static readonly JsonSerializerOptions Json = new() { AllowOutOfOrderMetadataProperties = true };
    private static readonly string[] Customers = ["c-1", "c-2", "c-3"];

    [Fact]
    public void Page_by_page_changes_add_up_to_the_tables_of_the_final_journeys() =>
        Gen.Select(JourneyFoldTests.RawEvent.Array[1, 25].Array[Customers.Length], Gen.Int[1, 12].Array[1, 20])
            .Sample((raws, pageSizes) =>
            {
                var events = Interleave(raws);
                var tables = new Tables();
                var journeys = new Dictionary<string, CustomerJourney>(StringComparer.Ordinal);
                var start = 0;
                var pages = 0;
                while (start < events.Count)
                {
                    var size = pageSizes[pages++ % pageSizes.Length];
                    var changes = new List<JourneyChange>();
                    foreach (var (id, inputs) in CustomerJourneyProjection.Slice(events.Skip(start).Take(size)))
                    {
                        var before = journeys.GetValueOrDefault(id);
                        if (CustomerJourneyProjection.FoldOnto(before, id, inputs, RuleSet.Default) is { } after)
                        {
                            changes.Add(new JourneyChange(before, after, inputs[^1].Sequence));
                            journeys[id] = after;
                        }
                    }

                    tables.Apply(JourneyWriter.Plan(changes));
                    start += size;
                }

                var fresh = new Tables();
                fresh.Apply(JourneyWriter.Plan(journeys.Values.Select(j => new JourneyChange(null, j, 0))));
                Assert.Equal(fresh.Describe(), tables.Describe());
                var slices = CustomerJourneyProjection.Slice(events);
                foreach (var (id, journey) in journeys)
                {
                    Assert.Equal(JsonSerializer.Serialize(CustomerJourneyProjection.Fold(id, slices[id], RuleSet.Default), Json), JsonSerializer.Serialize(journey, Json));
                }
            }, iter: 200);

    [Fact]
    public void A_journey_whose_mirror_key_did_not_move_changes_no_mirror_row_or_count()
    {
        var journey = CustomerJourneyProjection.Fold("c-1", JourneyFoldTests.ToEvents("c-1", [new(2, 100, 10, 40), new(5, 200, 10, 1)])
            .Select(e => JourneyInput.Of(e)!.Value), RuleSet.Default)!;
        var plan = JourneyWriter.Plan([new JourneyChange(journey, journey with { LastActivityAt = journey.LastActivityAt?.AddDays(1) }, 9)]);

        Assert.Empty(plan.SpellUpserts);
        Assert.Empty(plan.MonthUpserts);
        Assert.Empty(plan.Flows);
        Assert.Empty(plan.Activity);
        Assert.Empty(plan.Sizes);
    }

    [Fact]
    public void A_shorter_timeline_trims_the_spells_after_it_and_takes_back_their_counts()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
        var journey = CustomerJourneyProjection.Fold("c-1", JourneyFoldTests.ToEvents("c-1", [new(0, 100, 10, 1)])
            .Select(e => JourneyInput.Of(e)!.Value), RuleSet.Default)!;
        CustomerJourney WithSpells(params StageSpell[] spells) => journey with
        {
            Spells = [.. spells],
            MirrorKey = CustomerJourney.MirrorDigest(spells, journey.Months, journey.AcquisitionChannel, journey.Cohort, journey.FirstSeenMonth),
        };
        var before = WithSpells(
            new(LifecycleStage.Prospect, t0, t0.AddDays(1), "first-touch"),
            new(LifecycleStage.Engaged, t0.AddDays(1), t0.AddDays(2), "sign-up"),
            new(LifecycleStage.Customer, t0.AddDays(2), null, "first-purchase"));
        // A late fact: the customer bought on day 1, so the engaged spell never happened.
        var after = WithSpells(
            new(LifecycleStage.Prospect, t0, t0.AddDays(1), "first-touch"),
            new(LifecycleStage.Customer, t0.AddDays(1), null, "first-purchase"));

        var plan = JourneyWriter.Plan([new JourneyChange(before, after, 7)]);

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
        var journey = CustomerJourneyProjection.Fold("c-1", JourneyFoldTests.ToEvents("c-1", [new(2, 100, 10, 40)])
            .Select(e => JourneyInput.Of(e)!.Value), RuleSet.Default)!;
        var rescaled = journey with { Months = [.. journey.Months.Select(m => m with { Revenue = decimal.Parse(m.Revenue.ToString("F2", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) })] };
        rescaled = rescaled with { MirrorKey = CustomerJourney.MirrorDigest(rescaled.Spells, rescaled.Months, rescaled.AcquisitionChannel, rescaled.Cohort, rescaled.FirstSeenMonth) };

        var plan = JourneyWriter.Plan([new JourneyChange(journey, rescaled, 2)]);

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

    /// <summary>The mirror tables and counts in memory, changed as the writer's statements change them.</summary>
    private sealed class Tables
    {
        private readonly SortedDictionary<(string, int), SpellRow> spells = new();
        private readonly SortedDictionary<(string, string, string), MonthRow> months = new();
        private readonly SortedDictionary<string, string> counts = new(StringComparer.Ordinal);

        public void Apply(JourneyWriter.MirrorPlan plan)
        {
            foreach (var (customer, keep) in plan.SpellTrims)
            {
                foreach (var key in spells.Keys.Where(k => k.Item1 == customer && k.Item2 > keep).ToList())
                {
                    spells.Remove(key);
                }
            }

            foreach (var row in plan.SpellUpserts)
            {
                spells[(row.CustomerId, row.Ordinal)] = row;
            }

            foreach (var key in plan.MonthDeletes)
            {
                Assert.True(months.Remove(key));
            }

            foreach (var row in plan.MonthUpserts)
            {
                months[(row.CustomerId, row.Month, row.Currency)] = row;
            }

            foreach (var (key, (entered, exited)) in plan.Flows)
            {
                Add($"flow {key}", entered, exited);
            }

            foreach (var (key, (buyers, revenue, entries)) in plan.Activity)
            {
                Add($"activity {key}", buyers, revenue, entries);
            }

            foreach (var (key, customers) in plan.Sizes)
            {
                Add($"size {key}", customers);
            }
        }

        private void Add(string key, params decimal[] values)
        {
            var sum = counts.TryGetValue(key, out var text) ? text.Split(' ').Select(v => decimal.Parse(v, CultureInfo.InvariantCulture)).ToArray() : new decimal[values.Length];
            sum = [.. sum.Zip(values, (a, b) => a + b)];
            if (sum.All(v => v == 0))
            {
                counts.Remove(key);
            }
            else
            {
                counts[key] = string.Join(' ', sum.Select(v => v.ToString("G29", CultureInfo.InvariantCulture)));
            }
        }

        public string Describe() => string.Join(
            "\n",
            spells.Values.Select(s => s.ToString())
                .Concat(months.Values.Select(m => $"{m} revenue as stored {m.Revenue.ToString(CultureInfo.InvariantCulture)}"))
                .Concat(counts.Select(c => $"{c.Key}: {c.Value}")));
    }
}
