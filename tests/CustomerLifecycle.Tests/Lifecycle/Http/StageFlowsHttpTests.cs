using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

[Collection(AppFixtureGroup.Name)]
public class StageFlowsHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);

    private static string At(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static JsonObject Click(string customer, string channel, DateTimeOffset at) =>
        Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: At(at));

    private static string[] Days(JsonObject flows) =>
        [.. flows["days"]!.AsArray().Select(d => $"{(string)d!["day"]!} {(string)d["stage"]!} {(long)d["entered"]!} {(long)d["left"]!}")];

    private static string[] MovedTotals(JsonObject flows) =>
        [.. flows["totals"]!.AsArray().Where(t => (long)t!["entered"]! != 0 || (long)t["left"]! != 0)
            .Select(t => $"{(string)t!["stage"]!} {(long)t["entered"]!} {(long)t["left"]!}")];

    [Fact]
    public async Task Flows_count_the_customers_entering_and_leaving_each_stage_per_day_by_channel_and_cohort()
    {
        var now = DateTimeOffset.UtcNow;
        var channel = Json.NewId("ch");
        string buyer = Json.NewId("c"), looker = Json.NewId("c");
        var response = await ingest.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Click(buyer, channel, now.AddDays(-3)),
            Json.Purchase(buyer, occurredAt: At(now.AddDays(-2))),
            Click(looker, channel, now.AddDays(-2))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();
        var range = $"from={Day(now.AddDays(-3))}&to={Day(now)}";

        var flows = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages/flows?{range}&channel={channel}"))!;

        Assert.Equal(
            [$"{Day(now.AddDays(-3))} prospect 1 0", $"{Day(now.AddDays(-2))} customer 1 0", $"{Day(now.AddDays(-2))} prospect 1 1"],
            Days(flows));
        Assert.Equal(["prospect 2 1", "customer 1 0"], MovedTotals(flows));
        Assert.Equal(10, flows["totals"]!.AsArray().Count);

        // The cohort is the month of the first purchase: the looker has none.
        var cohort = now.AddDays(-2).UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var ofCohort = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages/flows?{range}&channel={channel}&cohort={cohort}"))!;
        Assert.Equal(["prospect 1 1", "customer 1 0"], MovedTotals(ofCohort));

        var before = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages/flows?from={Day(now.AddDays(-30))}&to={Day(now.AddDays(-4))}&channel={channel}"))!;
        Assert.Empty(Days(before));
    }

    [Theory]
    [InlineData("to=2026-03-01", "from")]
    [InlineData("from=2026-3-01&to=2026-03-02", "from")]
    [InlineData("from=2026-03-01", "to")]
    [InlineData("from=2026-03-02&to=2026-03-01", "to")]
    [InlineData("from=2025-01-01&to=2026-03-01", "to")]
    [InlineData("from=2026-03-01&to=2026-03-02&cohort=2026-3", "cohort")]
    public async Task Bad_flow_queries_are_400_naming_the_parameter(string query, string field)
    {
        var response = await client.GetAsync($"/api/lifecycle/stages/flows?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
    }
}
