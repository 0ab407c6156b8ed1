using System.Globalization;
using System.Text.Json;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// The live projection's page path with its tables in memory: per page, each customer's slice is folded in place when
/// <see cref="JourneyFold.TryInOrder"/> can, otherwise refolded from the history the tables hold (the customer's stream
/// so far, transition log, mirror rows), exactly as <see cref="CustomerJourneyProjection"/> loads it; then the writer's
/// plan and transition writes are applied as its statements apply them.
/// </summary>
internal sealed class ProjectionModel(RuleSet rules)
{
    private static readonly JsonSerializerOptions Json = new() { AllowOutOfOrderMetadataProperties = true };

    public Dictionary<string, CustomerJourney> Journeys { get; } = new(StringComparer.Ordinal);

    public MirrorTables Tables { get; } = new();

    public int Refolds { get; private set; }

    /// <summary>In-order pages completed with the customer's stored rows (a new cohort, say).</summary>
    public int RowLoads { get; private set; }

    private readonly Dictionary<string, List<LifecycleFact>> streams = new(StringComparer.Ordinal);

    public void Page(IReadOnlyList<IEvent> events)
    {
        var changes = new List<JourneyChange>();
        foreach (var (id, inputs) in CustomerJourneyProjection.Slice(events))
        {
            var before = Journeys.GetValueOrDefault(id);
            switch (JourneyFold.TryInOrder(before, id, inputs, rules, out var change))
            {
                case InOrderOutcome.NeedsHistory:
                    Refolds++;
                    change = JourneyFold.Refold(before, id, Tables.History(id, streams.GetValueOrDefault(id) ?? []), inputs, rules);
                    break;
                case InOrderOutcome.NeedsRows:
                    RowLoads++;
                    var rows = Tables.History(id, []);
                    change = JourneyFold.WithRows(before!, change!, rows.Spells, rows.Months);
                    break;
            }

            if (change is not null)
            {
                changes.Add(change);
                Journeys[id] = change.After;
            }
        }

        Tables.Apply(changes);
        foreach (var e in events)
        {
            if (e.Data is Touchpoint touchpoint)
            {
                if (!streams.TryGetValue(touchpoint.CustomerId, out var stream))
                {
                    streams[touchpoint.CustomerId] = stream = [];
                }

                stream.Add(LifecycleFact.From(touchpoint, e.Id, e.EventTypeName, e.Sequence, e.Timestamp));
            }
        }
    }

    /// <summary>What the bulk rebuild writes for the same events: every customer folded from scratch, all rows counted afresh.</summary>
    public static (Dictionary<string, CustomerJourney> Journeys, MirrorTables Tables) FromScratch(IReadOnlyList<IEvent> events, RuleSet rules)
    {
        var journeys = new Dictionary<string, CustomerJourney>(StringComparer.Ordinal);
        var changes = new List<JourneyChange>();
        foreach (var (id, inputs) in CustomerJourneyProjection.Slice(events))
        {
            if (JourneyFold.FromScratch(id, inputs, rules) is { } change)
            {
                changes.Add(change);
                journeys[id] = change.After;
            }
        }

        var tables = new MirrorTables();
        tables.Apply(changes);
        return (journeys, tables);
    }

    public static string Serialize(CustomerJourney? journey) => JsonSerializer.Serialize(journey, Json);
}

/// <summary>The journey tables in memory (transitions, spells, months, counts), changed as the writer's statements change them.</summary>
internal sealed class MirrorTables
{
    private readonly SortedDictionary<(string, int), SpellRow> spells = new();
    private readonly SortedDictionary<(string, string, string), MonthRow> months = new();
    private readonly SortedDictionary<(string, int), StageTransition> transitions = new();
    private readonly SortedDictionary<string, string> counts = new(StringComparer.Ordinal);

    public JourneyHistory History(string id, IReadOnlyList<LifecycleFact> stream) => new(
        [.. stream],
        [.. transitions.Where(t => t.Key.Item1 == id).Select(t => t.Value)],
        [.. spells.Where(s => s.Key.Item1 == id).Select(s => s.Value)],
        [.. months.Where(m => m.Key.Item1 == id).Select(m => m.Value)]);

    public void Apply(IReadOnlyList<JourneyChange> changes)
    {
        foreach (var change in changes)
        {
            foreach (var learned in change.Learned)
            {
                Assert.True(transitions.TryAdd((change.After.Id, learned.Ordinal), learned.Transition), $"transition {learned.Ordinal} of {change.After.Id} written twice");
            }

            foreach (var superseded in change.Superseded)
            {
                Assert.True(transitions.ContainsKey((change.After.Id, superseded.Ordinal)));
                transitions[(change.After.Id, superseded.Ordinal)] = superseded.Transition;
            }
        }

        Apply(JourneyWriter.Plan(changes));
    }

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
            .Concat(transitions.Select(t => $"{t.Key}: {JsonSerializer.Serialize(t.Value)}"))
            .Concat(counts.Select(c => $"{c.Key}: {c.Value}")));
}
