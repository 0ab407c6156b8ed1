using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Ingestion.Recording;

[Collection(AppFixtureGroup.Name)]
public class CustomerEventsHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);

    [Fact]
    public async Task Events_are_paged_by_version()
    {
        var customer = Json.NewId("c");
        var touchpoints = Enumerable.Range(0, 5).Select(i => (JsonNode)Json.Purchase(customer, i + 1)).ToArray();
        await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));

        var first = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events?limit=2"))!;
        var second = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events?limit=2&fromVersion={(long)first["nextFromVersion"]!}"))!;
        var last = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events?limit=2&fromVersion=5"))!;

        Assert.Equal(5L, (long)first["streamVersion"]!);
        Assert.Equal([1L, 2L], first["events"]!.AsArray().Select(e => (long)e!["version"]!));
        Assert.Equal([3L, 4L], second["events"]!.AsArray().Select(e => (long)e!["version"]!));
        Assert.Equal([5L], last["events"]!.AsArray().Select(e => (long)e!["version"]!));
        Assert.Null(last["nextFromVersion"]);
    }

    [Fact]
    public async Task An_unknown_customer_is_404_problem_details()
    {
        var response = await client.GetAsync($"/api/customers/{Json.NewId("nobody")}/events");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    [InlineData("fromVersion=0", "fromVersion")]
    public async Task Bad_paging_is_400_naming_the_parameter(string query, string field)
    {
        var response = await client.GetAsync($"/api/customers/anyone/events?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![field]);
    }
}
