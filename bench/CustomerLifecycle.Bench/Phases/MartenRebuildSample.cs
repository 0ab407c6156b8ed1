using System.Diagnostics;
using System.Globalization;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx;
using JasperFx.Events.Projections;
using Marten;
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
            opts.Projections.Add(
                (Marten.Events.Projections.IProjection)new CustomerJourneyProjection(RuleSet.Default, dataSource), ProjectionLifecycle.Async,
                CustomerJourneyProjection.ProjectionName);
        });

        var finished = false;
        var clock = Stopwatch.StartNew();
        using (var daemon = await store.BuildProjectionDaemonAsync())
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            stop.CancelAfter(limit);
            try
            {
                await daemon.RebuildProjectionAsync(CustomerJourneyProjection.ProjectionName, TimeSpan.FromHours(3), stop.Token);
                finished = true;
            }
            catch (Exception e) when (stop.IsCancellationRequested && !ct.IsCancellationRequested && e is OperationCanceledException or TaskCanceledException or AggregateException)
            {
                // The time is up: the rate is what it folded so far.
            }

            await daemon.StopAllAsync();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await using var progress = dataSource.CreateCommand(
            $"select coalesce(max(last_seq_id), 0) from {StoreSetup.Schema}.mt_event_progression where name = $1");
        progress.Parameters.Add(new NpgsqlParameter<string> { TypedValue = progressName });
        var reached = (long)(await progress.ExecuteScalarAsync(ct))!;

        await using var reset = dataSource.CreateCommand(
            $"update {StoreSetup.Schema}.mt_event_progression set last_seq_id = $1, last_updated = now() where name = $2");
        reset.Parameters.Add(new NpgsqlParameter<long> { TypedValue = highWater });
        reset.Parameters.Add(new NpgsqlParameter<string> { TypedValue = progressName });
        await reset.ExecuteNonQueryAsync(ct);
        return new Sample(reached, seconds, finished);
    }

    public static string Describe(Sample sample) => string.Create(CultureInfo.InvariantCulture,
        $"Marten's own rebuild (daemon RebuildProjectionAsync, in the bench process, service stopped): {Count(sample.Events)} events in {sample.Seconds:0.0} s = {Rate(sample.EventsPerSecond)} events/s{(sample.Finished ? "" : " (stopped at its time limit)")}");
}
