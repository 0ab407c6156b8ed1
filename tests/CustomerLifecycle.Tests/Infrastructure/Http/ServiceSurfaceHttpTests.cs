using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Tests.Infrastructure.Http;

[Collection(AppFixtureGroup.Name)]
public class ServiceSurfaceHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient anonymous = app.ClientWithKey(null);

    [Fact]
    public async Task Liveness_and_readiness_answer_without_a_key()
    {
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        var ready = await anonymous.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        var report = (await ready.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Healthy", (string)report["status"]!);
        Assert.Equal("Healthy", (string)report["checks"]!["postgres"]!["status"]!);
        Assert.Equal("Healthy", (string)report["checks"]!["projections"]!["status"]!);
    }

    [Fact]
    public void A_solo_node_runs_the_sweep_and_the_clv_refit_schedule_itself()
    {
        var running = app.Services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>().Agents.AllRunningAgentUris();

        Assert.Contains(new Uri($"{CustomerLifecycle.Lifecycle.Journeys.LifecycleSweepAgent.UriScheme}://"), running);
        Assert.Contains(new Uri($"{CustomerLifecycle.Analytics.Clv.ClvRefitScheduleAgent.UriScheme}://"), running);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_ingestion_endpoints()
    {
        var document = (await anonymous.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();

        Assert.True(paths.ContainsKey("/api/touchpoints"));
        Assert.True(paths.ContainsKey("/api/touchpoints/batch"));
        Assert.True(paths.ContainsKey("/api/customers/{customerId}/events"));
        Assert.NotNull(paths["/api/touchpoints"]!["post"]!["responses"]!["201"]);
        Assert.NotNull(paths["/api/touchpoints"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]);
        Assert.NotNull(paths["/api/touchpoints/batch"]!["post"]!["requestBody"]);
        Assert.Equal("X-Api-Key", (string)document["components"]!["securitySchemes"]!["ApiKey"]!["name"]!);
    }

    [Fact]
    public async Task The_interactive_api_page_is_served()
    {
        var page = await anonymous.GetAsync("/scalar");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}
