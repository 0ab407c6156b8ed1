using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Infrastructure.Postgres;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Npgsql;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Infrastructure.Http;

/// <summary>
/// The operator's outage, as the issue tried it from outside: clients post singles and batches while PostgreSQL is
/// stopped as a crash would stop it (<c>pg_ctl stop -m immediate</c>) and started again. While it is down ingestion
/// answers 503 with Retry-After and readiness is not Healthy; afterwards every acknowledged touchpoint is stored, the
/// projection catches up by itself and verify finds no differences.
/// </summary>
public sealed class DatabaseCrashHttpTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan CatchUpWithin = TimeSpan.FromSeconds(30);

    private PrivatePostgres server = null!;
    private CrashApp app = null!;

    private sealed class CrashApp(string connectionString) : CustomerLifecycleApp
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);

        // Production's agent distribution through the database, not solo mode.
        protected override bool RunsSolo => false;

        protected override IEnumerable<(string Key, string Value)> Settings => [("Health:Projections:StoppedAfter", "00:00:03")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // A crash loses the sequence numbers of the transactions it cuts off; the daemon passes such a gap after
            // this long (30 s in production), which would only make the test slow.
            builder.ConfigureTestServices(services => services.ConfigureMarten(opts => opts.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(4)));
        }
    }

    public async Task InitializeAsync()
    {
        server = await TestPostgres.StartDedicatedAsync("postgres-crash", crashSafe: true);
        app = new CrashApp(await server.CreateDatabaseAsync($"crash_{Guid.NewGuid():N}"));
        await app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task After_an_immediate_stop_and_start_under_load_nothing_acknowledged_is_lost_and_the_read_side_heals_itself()
    {
        var load = new Load();
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => PostUntilStoppedAsync(app.ClientWithKey(TestKeys.All), batch: i % 4 == 3, load, stop.Token)))
            .ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));

        await server.StopImmediatelyAsync();
        var readinessWhileDown = await SampleReadinessAsync(TimeSpan.FromSeconds(4));
        await server.StartAgainAsync();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        output.WriteLine($"{load.Acknowledged.Count} touchpoints acknowledged, {load.Unavailable} answers 503, readiness while down: {string.Join(' ', readinessWhileDown.Select(s => (int)s))}");

        Assert.False(load.Acknowledged.IsEmpty, "no touchpoint was acknowledged under load");
        Assert.True(load.Unavailable > 0, "no request met the outage");
        Assert.Equal(0, load.UnavailableWithoutRetryAfter);
        Assert.Empty(load.OtherStatuses);
        Assert.NotEmpty(readinessWhileDown);
        Assert.All(readinessWhileDown, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));

        var caughtUpIn = await AssertCaughtUpAsync();
        output.WriteLine($"the projection caught up {caughtUpIn.TotalSeconds:0.0} s after the load stopped");
        Assert.Equal(0, await MissingFromStoreAsync(load.Acknowledged));
        var client = app.ClientWithKey(TestKeys.All);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var verify = await client.PostAsJsonAsync("/api/lifecycle/verify", new { limit = 5000 });
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        var result = (await verify.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((int)result["checked"]! > 0);
        Assert.Empty(result["differences"]!.AsArray());
    }

    private sealed class Load
    {
        public ConcurrentBag<string> Acknowledged { get; } = [];

        public ConcurrentBag<HttpStatusCode> OtherStatuses { get; } = [];

        public int Unavailable;

        public int UnavailableWithoutRetryAfter;
    }

    /// <summary>Posts singles (or batches of 20) with fresh event ids until stopped, noting what was acknowledged.</summary>
    private static async Task PostUntilStoppedAsync(HttpClient client, bool batch, Load load, CancellationToken stop)
    {
        var customers = Enumerable.Range(0, 20).Select(_ => Json.NewId("crash")).ToArray();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var touchpoints = Enumerable.Range(0, batch ? 20 : 1)
                .Select(k => Json.Purchase(customers[(i + k) % customers.Length], occurredAt: $"2026-11-20T10:{i / 60 % 60:00}:{i % 60:00}Z"))
                .ToList();
            using var response = batch
                ? await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch([.. touchpoints]), CancellationToken.None)
                : await client.PostAsJsonAsync("/api/touchpoints", touchpoints[0], CancellationToken.None);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Created or HttpStatusCode.OK:
                    touchpoints.ForEach(t => load.Acknowledged.Add((string)t["eventId"]!));
                    break;
                case HttpStatusCode.ServiceUnavailable:
                    Interlocked.Increment(ref load.Unavailable);
                    if (response.Headers.RetryAfter is null)
                    {
                        Interlocked.Increment(ref load.UnavailableWithoutRetryAfter);
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
                    break;
                default:
                    load.OtherStatuses.Add(response.StatusCode);
                    break;
            }
        }
    }

    private async Task<List<HttpStatusCode>> SampleReadinessAsync(TimeSpan during)
    {
        var probe = app.ClientWithKey(null);
        var statuses = new List<HttpStatusCode>();
        var until = DateTime.UtcNow + during;
        while (DateTime.UtcNow < until)
        {
            statuses.Add((await probe.GetAsync("/health/ready")).StatusCode);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        return statuses;
    }

    /// <summary>
    /// The projection must resume (move past where it stood) within 30 s of the load stopping, which is seconds after the
    /// database is back; folding the whole backlog may take longer on a machine busy with other tests.
    /// </summary>
    private async Task<TimeSpan> AssertCaughtUpAsync()
    {
        var started = DateTime.UtcNow;
        var progress = await ProgressAsync();
        var stoodAt = progress.Processed;
        while (progress.Processed == stoodAt && progress.Processed < progress.Last && DateTime.UtcNow - started < CatchUpWithin)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            progress = await ProgressAsync();
        }

        Assert.True(progress.Processed > stoodAt || progress.Processed == progress.Last, $"the projection did not resume within {CatchUpWithin.TotalSeconds} s: {progress}");
        while (progress.Processed < progress.Last && DateTime.UtcNow - started < CatchUpWithin * 4)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            progress = await ProgressAsync();
        }

        Assert.True(progress.Processed == progress.Last, $"the projection resumed but did not fold the backlog within {(CatchUpWithin * 4).TotalSeconds} s: {progress}");
        return DateTime.UtcNow - started;
    }

    private async Task<long> MissingFromStoreAsync(IEnumerable<string> acknowledged)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(
            """
            select count(*) from unnest($1) as a(id)
            where not exists (select 1 from customer_lifecycle.mt_events e where e.headers ->> 'clientEventId' = a.id)
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. acknowledged] });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(long Last, long Processed)> ProgressAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(
            """
            select (select coalesce(max(seq_id), 0) from customer_lifecycle.mt_events),
                   (select coalesce(max(last_seq_id), 0) from customer_lifecycle.mt_event_progression where name = 'CustomerJourney:All')
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
