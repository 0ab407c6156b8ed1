using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Lifecycle.Journeys.Rebuilding;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Tests.Operations;

/// <summary>Readiness follows the read side: Degraded when the projection is far behind, Unhealthy once it has stopped.</summary>
public sealed class ProjectionHealthHttpTests : IAsyncLifetime
{
    private readonly TightBoundsApp app = new();

    private sealed class TightBoundsApp : CustomerLifecycleApp
    {
        protected override IEnumerable<(string Key, string Value)> Settings =>
        [
            ("Health:Projections:MaxLag", "3"),
            ("Health:Projections:StoppedAfter", "00:00:03"),
        ];
    }

    public Task InitializeAsync() => app.InitializeAsync();

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task Readiness_is_degraded_when_the_projection_lags_past_the_bound_and_unhealthy_once_it_has_stopped()
    {
        var client = app.ClientWithKey(TestKeys.All);
        var probe = app.ClientWithKey(null);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);

        // The start-up check lifts pauses it finds (a rebuild's leftover); it must have run before this test pauses the agent.
        await app.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<RebuildPauseRecovery>().Single().CheckedAtStart.WaitAsync(TimeSpan.FromSeconds(60));
        var resume = await app.Services.GetRequiredService<LiveProjectionAgents>().PauseAsync("CustomerJourney:All", CancellationToken.None);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(Json.NewId("h")))).StatusCode);
        }

        var (lagging, laggingReport) = await ReadyAsync(probe);
        Assert.Equal(HttpStatusCode.OK, lagging);
        Assert.Equal("Degraded", (string)laggingReport["status"]!);
        Assert.Contains("5 events behind (bound 3)", (string)laggingReport["checks"]!["projections"]!["description"]!, StringComparison.Ordinal);

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        var (stopped, stoppedReport) = await ReadyAsync(probe);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stopped);
        Assert.Equal("Unhealthy", (string)stoppedReport["status"]!);
        Assert.Contains("CustomerJourney has stopped", (string)stoppedReport["checks"]!["projections"]!["description"]!, StringComparison.Ordinal);
        Assert.Equal(5, (long)stoppedReport["checks"]!["projections"]!["data"]!["CustomerJourney.lag"]!);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/live")).StatusCode);

        await resume.DisposeAsync();
        await app.WaitForProjectionsAsync();
        var (resumed, resumedReport) = await ReadyAsync(probe);
        Assert.Equal(HttpStatusCode.OK, resumed);
        Assert.Equal("Healthy", (string)resumedReport["status"]!);
    }

    [Fact]
    public async Task Liveness_reports_the_process_without_asking_the_database()
    {
        var live = await app.ClientWithKey(null).GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var report = (await live.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("Healthy", (string)report["status"]!);
        Assert.Equal(["process"], report["checks"]!.AsObject().Select(c => c.Key));
    }

    private static async Task<(HttpStatusCode Status, JsonObject Report)> ReadyAsync(HttpClient probe)
    {
        var response = await probe.GetAsync("/health/ready");
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }
}
