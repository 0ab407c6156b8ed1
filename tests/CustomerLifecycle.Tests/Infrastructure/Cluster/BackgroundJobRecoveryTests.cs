using System.Net;
using System.Net.Http.Json;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Infrastructure.Postgres;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine.Runtime;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Infrastructure.Cluster;

/// <summary>
/// The periodic jobs (the lifecycle sweep and the CLV refit schedule, each a Wolverine singular agent) resume by
/// themselves within 30 s after PostgreSQL restarts or every backend is killed: the sweep records a new customer's
/// overdue deadline, the schedule queues a refit that runs to its end.
/// </summary>
public sealed class BackgroundJobRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ResumeWithin = TimeSpan.FromSeconds(30);

    private PrivatePostgres server = null!;
    private JobsApp app = null!;
    private string database = "";

    private sealed class JobsApp(string connectionString) : CustomerLifecycleApp
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);

        // Production's agent assignment through the database: the leader hands the jobs to a node.
        protected override bool RunsSolo => false;

        protected override IEnumerable<(string Key, string Value)> Settings =>
        [
            ("Lifecycle:SweepInterval", "00:00:01"),
            ("Lifecycle:SettleMargin", "00:00:01"),
            ("Analytics:Clv:RefitInterval", "00:00:02"),
        ];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // The sweep only sees a deadline once the projection has folded the purchase. After a crash the daemon waits
            // out the gap the lost transactions left (30 s in production; DatabaseCrashHttpTests covers that), which
            // would hide whether the jobs themselves resumed.
            builder.ConfigureTestServices(services => services.ConfigureMarten(opts => opts.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(4)));
        }
    }

    public async Task InitializeAsync()
    {
        server = await TestPostgres.StartDedicatedAsync("postgres-jobs", crashSafe: true);
        database = $"jobs_{Guid.NewGuid():N}";
        app = new JobsApp(await server.CreateDatabaseAsync(database));
        await app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await server.DisposeAsync();
    }

    [Theory]
    [InlineData("restart")]
    [InlineData("terminate")]
    public async Task After_an_outage_the_sweep_and_the_clv_refit_schedule_resume_by_themselves(string outage)
    {
        // Both jobs are at work before the outage.
        await AssertJobsWorkAfterAsync(DateTimeOffset.UtcNow, "before the outage");

        if (outage == "restart")
        {
            await server.StopImmediatelyAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
            await server.StartAgainAsync();
        }
        else
        {
            for (var round = 0; round < 3; round++)
            {
                await TerminateBackendsAsync();
                await Task.Delay(TimeSpan.FromMilliseconds(700));
            }
        }

        await AssertJobsWorkAfterAsync(DateTimeOffset.UtcNow, $"after the {outage}");
    }

    /// <summary>
    /// A customer whose last purchase turns 90 days old (at risk by the default rules) 10 s from now gets a deadline event from the sweep, and the schedule queues a full refit that
    /// completes (or fails on a store without purchases: it ran), both within <see cref="ResumeWithin"/> of <paramref name="since"/>.
    /// </summary>
    private async Task AssertJobsWorkAfterAsync(DateTimeOffset since, string when)
    {
        var customer = Json.NewId("quiet");
        // Due 10 s from now: a deadline already past when the projection folds the purchase is passed by the fold itself.
        var lastPurchase = DateTimeOffset.UtcNow.AddDays(-90).AddSeconds(10).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        var client = app.ClientWithKey(TestKeys.All);
        var deadline = DateTime.UtcNow + ResumeWithin;
        HttpStatusCode posted;
        do
        {
            // The first posts after a restart may meet the store still recovering (503): a client retries.
            posted = (await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(customer, occurredAt: lastPurchase))).StatusCode;
        }
        while (posted == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline && await Pause());

        Assert.Equal(HttpStatusCode.Created, posted);
        var (swept, refitted) = (false, false);
        while (!(swept && refitted) && DateTime.UtcNow < deadline)
        {
            await Pause();
            swept = swept || await DeadlineEventsAsync(customer) > 0;
            refitted = refitted || await ScheduledRefitFinishedAsync(since);
        }

        output.WriteLine($"{when}: sweep {(swept ? "ran" : "did not run")}, refit {(refitted ? "ran" : "did not run")} within {(DateTime.UtcNow - since.UtcDateTime).TotalSeconds:0.0} s");
        Assert.True(swept, $"{when}: the sweep recorded no deadline for a customer falling due within {ResumeWithin.TotalSeconds} s; {Diagnostics()}; {await JourneyAsync(customer)}");
        Assert.True(refitted, $"{when}: no scheduled CLV refit was queued and finished within {ResumeWithin.TotalSeconds} s; {Diagnostics()}");
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        return true;
    }

    private async Task<long> DeadlineEventsAsync(string customer)
    {
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
            await using var command = dataSource.CreateCommand("select count(*) from customer_lifecycle.mt_events where stream_id = $1 and type = $2");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customer });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = LifecycleDeadlineReached.EventTypeName });
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (NpgsqlException)
        {
            return 0; // the store is still coming back
        }
    }

    private async Task<bool> ScheduledRefitFinishedAsync(DateTimeOffset since)
    {
        try
        {
            await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
            return await query.Query<ClvSnapshot>()
                .AnyAsync(s => s.RequestedBy == ClvRefitSchedule.RequestedBy && s.RequestedAt > since && (s.Status == FitStatus.Completed || s.Status == FitStatus.Failed));
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private async Task TerminateBackendsAsync()
    {
        await using var admin = NpgsqlDataSource.Create(server.ConnectionString);
        await using var command = admin.CreateCommand("select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        await command.ExecuteScalarAsync();
    }

    private async Task<string> JourneyAsync(string customer)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand("select coalesce((select json_agg(j)::text from (select id, next_due_at, stage from customer_lifecycle.mt_doc_customerjourney where id = $1) j), 'no journey') || ' ' || (select json_agg(p)::text from customer_lifecycle.mt_event_progression p)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customer });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private string Diagnostics() =>
        "running agents: " + string.Join(", ", app.Services.GetRequiredService<IWolverineRuntime>().Agents.AllRunningAgentUris());
}
