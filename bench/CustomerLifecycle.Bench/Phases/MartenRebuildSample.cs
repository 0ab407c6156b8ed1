using System.Diagnostics;
using System.Globalization;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Marten's own rebuild of the journey projection (the daemon's <c>RebuildProjectionAsync</c>, which replays the store
/// in global sequence order through the projection's page path), run in the bench process on the restored history
/// while the service is stopped, for a fixed time: its rate beside the bulk rebuild's in the same run says whether the
/// project's own rebuild (<c>JourneyBulkRebuild</c>) earns its keep. Afterwards the live projection's progress is set
/// back to the restored store's end, as the history load left it; the bulk rebuild that follows replaces what this
/// wrote.
/// </summary>
internal static class MartenRebuildSample
{
    public sealed record Sample(long Events, double Seconds, bool Finished)
    {
        public double EventsPerSecond => Seconds > 0 ? Events / Seconds : 0;
    }

    public static async Task<Sample> RunAsync(string connectionString, TimeSpan limit, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var progressName = CustomerJourneyProjection.ProjectionName + ":All";
        await using var before = dataSource.CreateCommand($"select last_seq_id from {StoreSetup.Schema}.mt_event_progression where name = $1");
        before.Parameters.Add(new NpgsqlParameter<string> { TypedValue = progressName });
        var highWater = (long)(await before.ExecuteScalarAsync(ct))!;
        using var store = DocumentStore.For(opts =>
        {
            opts.Connection(connectionString);
            opts.DatabaseSchemaName = StoreSetup.Schema;
            StoreSetup.ConfigureEventsAndSerializer(opts);
            opts.AutoCreateSchemaObjects = AutoCreate.None;
            // As the service registers it (StoreSetup): pages of 2,000 events, the same gap and polling settings.
            var journeys = new CustomerJourneyProjection(RuleSet.Default, dataSource);
            journeys.Options.BatchSize = 2_000;
            opts.Projections.Add((Marten.Events.Projections.IProjection)journeys, ProjectionLifecycle.Async, CustomerJourneyProjection.ProjectionName);
            opts.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(30);
            opts.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
            opts.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);
            opts.Schema.For<CustomerJourney>().UseNumericRevisions(true);
        });
        using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Critical));

        // The daemon does not stop a rebuild on cancellation, so the sample follows its progress row and stops the
        // daemon when the time is up (or the store's end is reached): the rate is the sequence reached ÷ the time it
        // was reached.
        await using var progress = dataSource.CreateCommand(
            $"select coalesce(max(last_seq_id), 0) from {StoreSetup.Schema}.mt_event_progression where name = $1");
        progress.Parameters.Add(new NpgsqlParameter<string> { TypedValue = progressName });
        var clock = Stopwatch.StartNew();
        var (reached, reachedAt) = (0L, 0d);
        using (var daemon = await store.BuildProjectionDaemonAsync(logger: logging.CreateLogger("Marten rebuild")))
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            var rebuild = daemon.RebuildProjectionAsync(CustomerJourneyProjection.ProjectionName, TimeSpan.FromHours(3), stop.Token);
            while (!rebuild.IsCompleted && clock.Elapsed < limit && reached < highWater)
            {
                await Task.WhenAny(rebuild, Task.Delay(TimeSpan.FromMilliseconds(500), ct));
                var seq = (long)(await progress.ExecuteScalarAsync(ct))!;
                if (seq > reached)
                {
                    (reached, reachedAt) = (seq, clock.Elapsed.TotalSeconds);
                }
            }

            await stop.CancelAsync();
            await IgnoringFailureAsync(daemon.StopAllAsync());
            await IgnoringFailureAsync(rebuild);
        }

        await using var reset = dataSource.CreateCommand(
            $"update {StoreSetup.Schema}.mt_event_progression set last_seq_id = $1, last_updated = now() where name = $2");
        reset.Parameters.Add(new NpgsqlParameter<long> { TypedValue = highWater });
        reset.Parameters.Add(new NpgsqlParameter<string> { TypedValue = progressName });
        await reset.ExecuteNonQueryAsync(ct);
        return new Sample(reached, reachedAt, reached >= highWater);
    }

    private static async Task IgnoringFailureAsync(Task task)
    {
        try
        {
            await task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (Exception)
        {
            // Stopped at its time limit: what it did not finish is replaced by the bulk rebuild.
        }
    }

    public static string Describe(Sample sample) => string.Create(CultureInfo.InvariantCulture,
        $"Marten's own rebuild (daemon RebuildProjectionAsync, in the bench process, service stopped): {Count(sample.Events)} events in {sample.Seconds:0.0} s = {Rate(sample.EventsPerSecond)} events/s{(sample.Finished ? " (the whole store)" : " (stopped at its time limit)")}");
}
