using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Operations;

/// <summary>A node started with Projections:RunOnThisNode=false, over a database of its own.</summary>
public sealed class IngestionNodeApp : CustomerLifecycleApp
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Projections:RunOnThisNode", "false")];
}

public class IngestionNodeHttpTests(IngestionNodeApp app) : IClassFixture<IngestionNodeApp>
{
    [Fact]
    public async Task An_ingestion_node_records_and_serves_events_but_never_projects_them()
    {
        var client = app.ClientWithKey(TestKeys.All);
        var customer = Json.NewId("c");

        var posted = await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(customer));
        // Long enough for a daemon, were one running here, to fold one event in (it does so within a second).
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        Assert.Single((await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events"))!["events"]!.AsArray());
        var journey = (await client.GetFromJsonAsync<JsonObject>("/api/projections"))!["projections"]!.AsArray()
            .Single(p => (string)p!["projection"]! == "CustomerJourney")!;
        Assert.Equal(0L, (long)journey["processedThrough"]!);
        Assert.True((long)journey["lag"]! >= 1);
    }
}
