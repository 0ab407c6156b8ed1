using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Infrastructure.Postgres;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerLifecycle.Tests.Infrastructure.Http;

/// <summary>
/// Takes the real PostgreSQL away under load (a server restart, then every backend of the app's database killed) and
/// asserts that the live projection resumes by itself within 30 s and the read model ends exact.
/// </summary>
public sealed class ReadSideRecoveryHttpTests : IAsyncLifetime
{
    private static readonly TimeSpan ResumeWithin = TimeSpan.FromSeconds(30);

    private PrivatePostgres server = null!;
    private RecoveryApp app = null!;
    private string database = "";

    private sealed class RecoveryApp(string connectionString) : CustomerLifecycleApp
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);

        protected override bool RunsSolo => false;
    }

    public async Task InitializeAsync()
    {
        server = await TestPostgres.StartDedicatedAsync("postgres-recovery");
        database = $"recovery_{Guid.NewGuid():N}";
        app = new RecoveryApp(await server.CreateDatabaseAsync(database));
        await app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task After_a_server_restart_under_load_the_projection_resumes_by_itself_and_verify_finds_no_differences()
    {
        await UnderLoadAsync(async () =>
        {
            await server.StopAsync();
            // Longer than the daemon's own retries of a failed page, so recovery is not left to them alone.
            await Task.Delay(TimeSpan.FromSeconds(20));
            await server.StartAgainAsync();
        });

        await AssertResumedAndExactAsync();
    }

    [Fact]
    public async Task After_every_backend_is_terminated_under_load_the_projection_resumes_by_itself_and_verify_finds_no_differences()
    {
        await UnderLoadAsync(async () =>
        {
            for (var round = 0; round < 3; round++)
            {
                await TerminateBackendsAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(700));
            }
        });

        await AssertResumedAndExactAsync();
    }

    /// <summary>Four clients post touchpoints (retrying 503s as a client would) while <paramref name="outage"/> runs.</summary>
    private async Task UnderLoadAsync(Func<Task> outage)
    {
        using var stop = new CancellationTokenSource();
        var clients = Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostUntilStoppedAsync(app.ClientWithKey(TestKeys.All), stop.Token))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await outage();
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        var accepted = (await Task.WhenAll(clients)).Sum();
        Assert.True(accepted > 0, "no touchpoint was accepted under load");
    }

    private static async Task<int> PostUntilStoppedAsync(HttpClient client, CancellationToken stop)
    {
        var accepted = 0;
        var customers = Enumerable.Range(0, 20).Select(_ => Json.NewId("r")).ToArray();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            try
            {
                var response = await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(customers[i % customers.Length], occurredAt: $"2026-11-20T10:{i / 60 % 60:00}:{i % 60:00}Z"), CancellationToken.None);
                accepted += response.StatusCode == HttpStatusCode.Created ? 1 : 0;
            }
            catch (HttpRequestException)
            {
                // A request cut off with the server: the client retries with the next one.
            }
        }

        return accepted;
    }

    private async Task TerminateBackendsAsync()
    {
        await using var admin = NpgsqlDataSource.Create(server.ConnectionString);
        await using var command = admin.CreateCommand("select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        await command.ExecuteScalarAsync();
    }

    private async Task AssertResumedAndExactAsync()
    {
        var client = app.ClientWithKey(TestKeys.All);
        var atOutageEnd = await ProgressAsync();
        var started = DateTime.UtcNow;
        var progress = atOutageEnd;
        while (progress.Processed == atOutageEnd.Processed && progress.Processed < progress.Last && DateTime.UtcNow - started < ResumeWithin)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            progress = await ProgressAsync();
        }

        Assert.True(progress.Processed > atOutageEnd.Processed || progress.Processed == progress.Last,
            $"the projection did not resume within {ResumeWithin.TotalSeconds} s: {progress} {await DiagnosticsAsync()}");

        // A sequence number reserved by a transaction the outage rolled back leaves a gap the daemon waits out
        // (Projections:StaleSequenceThreshold, 30 s) before it passes it; then it must reach the end.
        var catchUp = ResumeWithin + TimeSpan.FromSeconds(30);
        while (progress.Processed < progress.Last && DateTime.UtcNow - started < catchUp)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            progress = await ProgressAsync();
        }

        Assert.True(progress.Processed == progress.Last, $"the projection did not catch up within {catchUp.TotalSeconds} s: {progress} {await DiagnosticsAsync()}");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        var verify = await client.PostAsJsonAsync("/api/lifecycle/verify", new { limit = 5000 });
        Assert.Equal(HttpStatusCode.OK, verify.StatusCode);
        var result = (await verify.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.True((int)result["checked"]! > 0);
        Assert.Empty(result["differences"]!.AsArray());
    }

    private async Task<string> DiagnosticsAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand("select json_agg(p)::text from customer_lifecycle.mt_event_progression p");
        var rows = await command.ExecuteScalarAsync();
        var agents = app.Services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>().Agents.AllRunningAgentUris();
        return $"progression: {rows}; running agents: {string.Join(", ", agents)}";
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
