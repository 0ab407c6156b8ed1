using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Infrastructure.Postgres;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Infrastructure.Shutdown;

/// <summary>
/// SIGINT to the service, run as a process, in the states where stopping is hardest: the database down, a rebuild
/// running, a CLV fit running. It must exit by itself, with code 0, within the host's shutdown timeout.
/// </summary>
public sealed class InterruptedServiceTests : IAsyncLifetime
{
    /// <summary>The host's shutdown timeout (ASP.NET Core's default, 30 s) and a margin for the runtime to exit.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30) + TimeSpan.FromSeconds(5);

    private PrivatePostgres server = null!;

    public async Task InitializeAsync() => server = await TestPostgres.StartDedicatedAsync("postgres-shutdown");

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task With_the_database_down_the_service_exits_within_the_shutdown_timeout()
    {
        await using var service = await ServiceProcess.StartAsync(await server.CreateDatabaseAsync($"shutdown_{Guid.NewGuid():N}"));
        Assert.Equal(HttpStatusCode.Created, (await service.Client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(Json.NewId("s")))).StatusCode);
        await server.StopAsync();
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await service.Client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(Json.NewId("s")))).StatusCode);

            var exitCode = await service.InterruptAsync(ShutdownTimeout);

            Assert.True(exitCode is not null, $"still running {ShutdownTimeout.TotalSeconds} s after SIGINT:{Environment.NewLine}{service.Log}");
            Assert.Equal(0, exitCode);
        }
        finally
        {
            await server.StartAgainAsync();
        }
    }

    [Fact]
    public async Task With_a_rebuild_running_the_service_exits_within_the_shutdown_timeout_and_the_read_model_stays_whole()
    {
        var connectionString = await server.CreateDatabaseAsync($"shutdown_{Guid.NewGuid():N}");
        await using (var service = await ServiceProcess.StartAsync(connectionString))
        {
            await LoadAsync(service.Client, batches: 4);
            Assert.Equal(HttpStatusCode.Accepted, (await service.Client.PostAsync("/api/projections/CustomerJourney/rebuild", null)).StatusCode);

            var exitCode = await service.InterruptAsync(ShutdownTimeout);

            Assert.True(exitCode is not null, $"still running {ShutdownTimeout.TotalSeconds} s after SIGINT:{Environment.NewLine}{service.Log}");
            Assert.Equal(0, exitCode);
        }

        // Started again, the live projection resumes (the rebuild's pause is lifted) and the read model is exact.
        await using var restarted = await ServiceProcess.StartAsync(connectionString);
        await WaitForNoLagAsync(restarted.Client);
        var verify = (await (await restarted.Client.PostAsJsonAsync("/api/lifecycle/verify", new { limit = 5000 })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((int)verify["checked"]! > 0);
        Assert.Empty(verify["differences"]!.AsArray());
    }

    [Fact]
    public async Task With_a_clv_fit_running_the_service_exits_within_the_shutdown_timeout()
    {
        await using var service = await ServiceProcess.StartAsync(await server.CreateDatabaseAsync($"shutdown_{Guid.NewGuid():N}"));
        await LoadAsync(service.Client, batches: 2);
        Assert.Equal(HttpStatusCode.Accepted, (await service.Client.PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject())).StatusCode);
        await Task.Delay(TimeSpan.FromMilliseconds(300));

        var exitCode = await service.InterruptAsync(ShutdownTimeout);

        Assert.True(exitCode is not null, $"still running {ShutdownTimeout.TotalSeconds} s after SIGINT:{Environment.NewLine}{service.Log}");
        Assert.Equal(0, exitCode);
    }

    /// <summary>Batches of 2,000 purchases over 500 customers, four each on different days.</summary>
    private static async Task LoadAsync(HttpClient client, int batches)
    {
        for (var b = 0; b < batches; b++)
        {
            var prefix = Json.NewId("s");
            var touchpoints = Enumerable.Range(0, 2_000)
                .Select(i => (JsonNode)Json.Purchase($"{prefix}-{i % 500}", 10 + i % 7, occurredAt: $"2026-{1 + i / 500:00}-{1 + i % 28:00}T10:00:00Z"))
                .ToArray();
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints))).StatusCode);
        }
    }

    private static async Task WaitForNoLagAsync(HttpClient client)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            var report = (await client.GetFromJsonAsync<JsonObject>("/api/projections"))!;
            var journeys = report["projections"]!.AsArray().Single(p => (string)p!["projection"]! == "CustomerJourney")!;
            if ((long)journeys["lag"]! == 0 && (long)journeys["processedThrough"]! > 0 && journeys["rebuild"] is null)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        Assert.Fail("the projection did not catch up within 90 s after the restart");
    }
}
