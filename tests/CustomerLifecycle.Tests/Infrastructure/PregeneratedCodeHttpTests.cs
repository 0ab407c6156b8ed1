using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Infrastructure;

/// <summary>The service as Production runs it: only the handler code pre-generated into Internal/Generated.</summary>
public sealed class PregeneratedCodeApp : CustomerLifecycleApp
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("CodeGeneration:TypeLoadMode", "Static")];
}

/// <summary>
/// Static mode fails at start-up or at the first call when a generated type is missing; a changed endpoint signature
/// already breaks the build. Together with CI's "regenerate and compare" step, this keeps Production on current code.
/// </summary>
public class PregeneratedCodeHttpTests(PregeneratedCodeApp app) : IClassFixture<PregeneratedCodeApp>
{
    [Fact]
    public async Task The_pregenerated_endpoints_ingest_and_answer_queries()
    {
        var client = app.ClientWithKey(TestKeys.All);
        var customer = Json.NewId("c");

        var single = await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(customer));
        var batch = await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(Json.Purchase(customer, 5m)));
        var events = await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events");
        await app.WaitForProjectionsAsync();
        var profile = await client.GetAsync(new Uri($"/api/customers/{customer}/profile", UriKind.Relative));
        var invalid = await client.PostAsJsonAsync("/api/touchpoints", new JsonObject { ["type"] = "purchase_completed" });

        Assert.Equal(HttpStatusCode.Created, single.StatusCode);
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        Assert.Equal(2, events!["events"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.OK, profile.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }
}
