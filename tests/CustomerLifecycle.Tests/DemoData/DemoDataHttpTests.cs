using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.DemoData.Generation;
using CustomerLifecycle.DemoData.Posting;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.DemoData;

/// <summary>The generator against the real service, in a database of its own so the stage counts are only its customers.</summary>
public class DemoDataHttpTests(CustomerLifecycleApp app) : IClassFixture<CustomerLifecycleApp>
{
    [Fact]
    public async Task A_generated_population_is_accepted_whole_spreads_over_the_stages_and_posting_it_again_finds_only_duplicates()
    {
        var data = DemoDataGenerator.Generate(new DemoSettings(Customers: 200, Seed: 7, Until: DateOnly.FromDateTime(DateTime.UtcNow)));
        var poster = new TouchpointPoster(app.ClientWithKey(TestKeys.Ingest));

        var first = await poster.PostAsync(data.Touchpoints);
        var again = await poster.PostAsync(data.Touchpoints);

        Assert.True(first.Succeeded, first.Failure ?? string.Join("; ", first.Rejected.Select(r => $"{r.EventId}: {r.Reason}")));
        Assert.Equal((data.Touchpoints.Count, 0), (first.Accepted, first.Duplicates));
        Assert.Equal((0, data.Touchpoints.Count), (again.Accepted, again.Duplicates));

        await app.WaitForProjectionsAsync();
        var distribution = (await app.ClientWithKey(TestKeys.Read).GetFromJsonAsync<JsonObject>("/api/lifecycle/stages"))!;
        var occupied = distribution["stages"]!.AsArray().Where(s => (long)s!["customers"]! > 0).Select(s => (string)s!["stage"]!).ToList();
        Assert.Equal(data.Customers.Count, (long)distribution["customers"]!);
        Assert.True(occupied.Count >= 5, $"customers stand in only {string.Join(", ", occupied)}");
    }
}
