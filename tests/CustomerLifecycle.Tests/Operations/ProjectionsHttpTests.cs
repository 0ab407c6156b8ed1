using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Operations;

[Collection(AppFixtureGroup.Name)]
public class ProjectionsHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Operate);
    private readonly HttpClient all = app.ClientWithKey(TestKeys.All);

    private async Task<JsonObject> Journey() =>
        (await client.GetFromJsonAsync<JsonObject>("/api/projections"))!["projections"]!.AsArray().Single(p => (string)p!["projection"]! == "CustomerJourney")!.AsObject();

    [Fact]
    public async Task A_rebuild_replays_the_event_store_into_the_same_read_model()
    {
        var customer = Json.NewId("c");
        var channel = Json.NewId("ch");
        await all.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: DateTimeOffset.UtcNow.AddDays(-400).ToString("O")),
            Json.Purchase(customer, occurredAt: DateTimeOffset.UtcNow.AddDays(-300).ToString("O")),
            Json.Purchase(customer, occurredAt: DateTimeOffset.UtcNow.AddDays(-150).ToString("O"))));
        await app.WaitForProjectionsAsync();
        var before = await all.GetStringAsync($"/api/customers/{customer}/transitions");
        var distributionUrl = $"/api/lifecycle/stages?channel={channel}&asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-200).ToString("O"))}";
        var distributionBefore = await all.GetStringAsync(distributionUrl);
        Assert.Equal(0L, (long)(await Journey())["lag"]!);

        var response = await client.PostAsync("/api/projections/CustomerJourney/rebuild", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonObject journey;
        do
        {
            await Task.Delay(200);
            journey = await Journey();
        }
        while ((string?)journey["rebuild"]?["state"] == "running" && DateTime.UtcNow < deadline);

        Assert.Equal("completed", (string)journey["rebuild"]!["state"]!);
        await app.WaitForProjectionsAsync();
        Assert.Equal(before, await all.GetStringAsync($"/api/customers/{customer}/transitions"));
        Assert.Equal(distributionBefore, await all.GetStringAsync(distributionUrl));
    }

    [Fact]
    public async Task Rebuilding_an_unknown_projection_is_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/projections/Nope/rebuild", null)).StatusCode);
    }
}
