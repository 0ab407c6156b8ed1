using System.Text.Json;
using CustomerLifecycle.DemoData.Generation;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Ingestion.Recording;
using CustomerLifecycle.Lifecycle;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.DemoData;

public class DemoDataGeneratorTests(ITestOutputHelper output)
{
    private static readonly DemoSettings Settings = new(Customers: 1_000, Seed: 42, Until: new DateOnly(2026, 11, 23));
    private static readonly Lazy<DemoDataSet> Population = new(() => DemoDataGenerator.Generate(Settings));

    private static IReadOnlyList<GeneratedTouchpoint> Touchpoints => Population.Value.Touchpoints;

    [Fact]
    public void The_same_seed_and_settings_give_byte_identical_touchpoints_in_the_same_order()
    {
        var again = DemoDataGenerator.Generate(Settings with { });

        Assert.Equal(Touchpoints.Select(t => t.Json), again.Touchpoints.Select(t => t.Json));
        Assert.Equal(Touchpoints.Select(t => t.ArrivesLate), again.Touchpoints.Select(t => t.ArrivesLate));
    }

    [Fact]
    public void Another_seed_gives_another_population_with_ids_of_its_own()
    {
        var other = DemoDataGenerator.Generate(Settings with { Seed = 43 });

        Assert.NotEqual(Touchpoints.Select(t => (t.Type, t.OccurredAt)), other.Touchpoints.Select(t => (t.Type, t.OccurredAt)));
        Assert.Empty(Touchpoints.Select(t => t.EventId).Intersect(other.Touchpoints.Select(t => t.EventId)));
        Assert.Empty(Touchpoints.Select(t => t.CustomerId).Intersect(other.Touchpoints.Select(t => t.CustomerId)));
    }

    [Fact]
    public void A_smaller_population_is_the_same_people_as_the_start_of_a_larger_one()
    {
        var smaller = DemoDataGenerator.Generate(Settings with { Customers = 200 });

        Assert.Subset(Touchpoints.Select(t => t.Json).ToHashSet(), smaller.Touchpoints.Select(t => t.Json).ToHashSet());
    }

    [Fact]
    public void Every_generated_touchpoint_passes_the_services_own_parser()
    {
        var parser = new TouchpointParser(new IngestionLimits());

        var rejections = Touchpoints
            .Select(t => (t.EventId, parser.Parse(JsonDocument.Parse(t.Json).RootElement, Settings.End).Rejection))
            .Where(r => r.Rejection is not null)
            .Select(r => $"{r.EventId}: {string.Join("; ", r.Rejection!.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"))}")
            .Take(10)
            .ToList();

        Assert.Empty(rejections);
    }

    [Fact]
    public void Event_ids_are_unique()
    {
        Assert.Equal(Touchpoints.Count, Touchpoints.Select(t => t.EventId).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_mix_holds_every_touchpoint_type_of_the_catalogue()
    {
        Assert.Equal(TouchpointTypes.All.Select(t => t.Name).Order(StringComparer.Ordinal), Touchpoints.Select(t => t.Type).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Everything_happens_within_the_year_and_late_arrivals_are_posted_last_and_are_older_than_what_came_before()
    {
        Assert.All(Touchpoints, t => Assert.InRange(t.OccurredAt, Settings.Start, Settings.End.AddTicks(-1)));
        var onTime = Touchpoints.TakeWhile(t => !t.ArrivesLate).ToList();
        var late = Touchpoints.Skip(onTime.Count).ToList();
        Assert.All(late, t => Assert.True(t.ArrivesLate));
        Assert.InRange(late.Count, Touchpoints.Count / 200, Touchpoints.Count / 25);
        Assert.Equal(onTime.Select(t => t.OccurredAt).Order(), onTime.Select(t => t.OccurredAt));

        var latestOnTime = onTime.GroupBy(t => t.CustomerId).ToDictionary(g => g.Key, g => g.Max(t => t.OccurredAt));
        Assert.All(late, t => Assert.True(t.OccurredAt <= latestOnTime[t.CustomerId], $"{t.EventId} is not behind its customer's newer facts"));
    }

    [Fact]
    public void Replayed_by_the_lifecycle_engine_the_population_stands_in_every_stage()
    {
        var parser = new TouchpointParser(new IngestionLimits());
        var facts = Touchpoints.Select((t, sequence) =>
        {
            var valid = parser.Parse(JsonDocument.Parse(t.Json).RootElement, Settings.End).Touchpoint!;
            return LifecycleFact.From(valid.Event, valid.StoreId, valid.Type, sequence + 1, Settings.End);
        });

        var stages = facts
            .GroupBy(f => f.CustomerId)
            .Select(customer => LifecycleJournal.Replay(customer, RuleSet.Default, Settings.End).State.Stage!.Value)
            .CountBy(stage => stage)
            .ToDictionary();

        foreach (var (stage, count) in stages.OrderBy(s => s.Key))
        {
            output.WriteLine($"{stage,-15} {count,5}");
        }

        Assert.Equal(Enum.GetValues<LifecycleStage>().Order(), stages.Keys.Order());
        Assert.Equal(Population.Value.Customers.Count, stages.Values.Sum());
    }
}
