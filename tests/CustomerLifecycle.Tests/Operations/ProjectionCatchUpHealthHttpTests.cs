using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Lifecycle.Journeys.Rebuilding;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Operations;

/// <summary>
/// A projection working through a backlog whose oldest event has waited longer than the stopped bound is behind
/// (Degraded), not stopped: it records progress with every page.
/// </summary>
public sealed class ProjectionCatchUpHealthHttpTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Backlog = 12_000;

    private readonly CatchUpApp app = new();

    private sealed class CatchUpApp : CustomerLifecycleApp
    {
        protected override IEnumerable<(string Key, string Value)> Settings =>
        [
            ("Health:Projections:MaxLag", "100"),
            ("Health:Projections:StoppedAfter", "00:00:05"),
        ];
    }

    public Task InitializeAsync() => app.InitializeAsync();

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task A_projection_catching_up_through_a_backlog_older_than_the_stopped_bound_is_degraded_not_stopped()
    {
        var client = app.ClientWithKey(TestKeys.All);
        var probe = app.ClientWithKey(null);
        // The start-up check lifts pauses it finds (a rebuild's leftover); it must have run before this test pauses the agent.
        await app.Services.GetServices<IHostedService>().OfType<RebuildPauseRecovery>().Single().CheckedAtStart.WaitAsync(TimeSpan.FromSeconds(60));
        var resume = await app.Services.GetRequiredService<LiveProjectionAgents>().PauseAsync("CustomerJourney:All", CancellationToken.None);
        var customers = Enumerable.Range(0, 1_500).Select(_ => Json.NewId("backlog")).ToArray();
        for (var batch = 0; batch < Backlog / 1_000; batch++)
        {
            var touchpoints = Enumerable.Range(batch * 1_000, 1_000).Select(i => (JsonNode)Json.Purchase(customers[i % customers.Length])).ToArray();
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints))).StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(5.5));
        var (paused, pausedReport) = await ReadyAsync(probe);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), (paused, (string)pausedReport["status"]!));

        await resume.DisposeAsync();
        var (_, report) = await ReadyAsync(probe);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Lag(report) == Backlog && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
            (_, report) = await ReadyAsync(probe);
        }

        // From its first page on, every answer during the catch-up says behind (or, within the lag bound, healthy), none says stopped.
        var duringCatchUp = new List<(HttpStatusCode Status, string Health, long Lag, double Waited)>();
        while (Lag(report) > 0 && DateTime.UtcNow < deadline + TimeSpan.FromSeconds(30))
        {
            var (status, next) = await ReadyAsync(probe);
            report = next;
            if (Lag(report) > 0)
            {
                duringCatchUp.Add((status, (string)report["status"]!, Lag(report), (double)report["checks"]!["projections"]!["data"]!["CustomerJourney.oldest_unprocessed_age_seconds"]!));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        output.WriteLine(string.Join(Environment.NewLine, duringCatchUp.Select(s => $"{(int)s.Status} {s.Health} lag {s.Lag}, oldest unfolded event waited {s.Waited} s")));
        Assert.Equal(0, Lag(report));
        Assert.Contains(duringCatchUp, s => s.Waited > 5);
        Assert.All(duringCatchUp, s => Assert.Equal((HttpStatusCode.OK, s.Lag > 100 ? "Degraded" : "Healthy"), (s.Status, s.Health)));
    }

    private static long Lag(JsonObject report) => (long)report["checks"]!["projections"]!["data"]!["CustomerJourney.lag"]!;

    private static async Task<(HttpStatusCode Status, JsonObject Report)> ReadyAsync(HttpClient probe)
    {
        var response = await probe.GetAsync("/health/ready");
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonObject>())!);
    }
}
