using System.Diagnostics;
using System.Globalization;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle.Journeys;
using Npgsql;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 5: how long after the service acknowledged an event it is visible in the CustomerJourney read model, under a
/// steady HTTP batch load (500 touchpoints per request) at half the maximum rate this host sustains with ingestion
/// and the daemon sharing it (measured first, as its own figure: phase 3 measured an ingestion node). Batches are sent on a
/// fixed schedule (open loop: a slow answer does not slow the offered load); each receipt gives the events' sequence
/// numbers, and the projection's progress is polled every 10 ms, so each event's lag is the first moment its
/// sequence number was seen processed minus the moment its batch was acknowledged (and minus the moment it was sent).
/// </summary>
internal sealed class ProjectionLagPhase : IPhase
{
    private const int BatchSize = HttpBatchPhase.BatchSize;
    private const int MaxInFlight = 8;

    // Without a maximum (its measurement failed), a rate this machine sustains comfortably.
    private const double FallbackRate = 2_000;
    // Long enough for a projection that falls behind to drain what the load left, so every event's lag is measured.
    private static readonly TimeSpan VisibilityTimeout = TimeSpan.FromMinutes(10);

    // The daemon projects about 3,000 events/s here; phases 2-4 leave a few hundred thousand behind it.
    private static readonly TimeSpan CatchUpTimeout = TimeSpan.FromMinutes(30);

    public int Number => 5;

    public string Title => $"projection lag (POST /api/touchpoints/batch, {BatchSize} per request, at half the maximum with the daemon on the same host; append to visible in the CustomerJourney read model)";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        await using var progress = await ProjectionProgress.StartAsync(context.Database.DataSource, ct);
        // Start from a projection that has caught up, or the backlog of earlier phases would count as lag.
        await CatchUpAsync(context, progress, "the earlier phases' events");

        // Phase 3 measured an ingestion node; here one host runs ingestion and the projection daemon, so its maximum
        // is measured again with both (the daemon falls behind meanwhile), and the lag is then taken at half of that.
        var shared = await MeasureSharedMaximumAsync(context);
        // The backlog the maximum left behind also measures the projection alone: how fast it catches up.
        var projectionRate = await CatchUpAsync(context, progress, "the maximum-rate measurement's events");
        var best = shared.Valid ? shared : null;
        var rate = best is null ? FallbackRate : best.EventsPerSecond / 2;
        var pacing = best is null
            ? "(the maximum-rate measurement failed)"
            : $"half the maximum measured on this host with the daemon running ({best.Name}: {Rate(best.EventsPerSecond)})";
        var atHalfMaximum = await MeasureLagAsync(context, progress, "lag", rate, pacing, seed: 50);

        // The issue's rate can exceed what the projection folds while sharing the host with that ingestion; then the lag
        // only grows with the length of the run. At half the projection's own catch-up rate the figure is the lag of a
        // projection that keeps up: polling, page and commit time.
        var measurements = new List<Measurement> { shared, atHalfMaximum };
        if (projectionRate is { } caughtUp)
        {
            await CatchUpAsync(context, progress, "the lag measurement's events");
            measurements.Add(await MeasureLagAsync(
                context, progress, "lag-kept-up", caughtUp / 2,
                $"half the rate at which the projection alone caught up with the maximum-rate measurement's backlog ({Rate(caughtUp)})", seed: 52));
        }

        // Catch-up: a backlog posted while no projection runs, then folded by one shard and by two on this one host.
        await CatchUpAsync(context, progress, "the lag measurement's events");
        var through = progress.Latest;
        var previous = JourneyShards.One;
        foreach (var count in new[] { 1, 2 })
        {
            var shards = new JourneyShards(count);
            measurements.Add(await MeasureCatchUpAsync(context, previous, shards, through, seed: 60 + count));
            previous = shards;
            through = await MaxSequenceAsync(context);
        }

        // The later phases run one shard again, from where the two left off.
        await RestartAtAsync(context, previous, JourneyShards.One, through, FullNode(JourneyShards.One));
        return new PhaseReport(Number, Title, measurements);
    }

    private static Dictionary<string, string> FullNode(JourneyShards shards) => new(StringComparer.Ordinal)
    {
        ["Projections__JourneyShards"] = shards.Count.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Posts a backlog of events at full speed to an ingestion-only node, then restarts the service as a full node with
    /// <paramref name="shards"/> shards starting where the projection stood, and times how fast they fold the backlog:
    /// from the first progress past the start to the last shard reaching the backlog's end.
    /// </summary>
    private static async Task<Measurement> MeasureCatchUpAsync(PhaseContext context, JourneyShards previous, JourneyShards shards, long through, int seed)
    {
        var ct = context.Cancellation;
        await RestartAtAsync(context, previous, previous, through, new Dictionary<string, string>(StringComparer.Ordinal) { ["Projections__RunOnThisNode"] = "false" });
        var bodies = HttpBatchPhase.Bodies(context, $"catchup{shards.Count}", Math.Max(1, context.Options.Events / BatchSize), seed);
        var client = context.Service.Client;
        await LoadRunner.RunAsync(2, bodies.Length, context.Options.MeasurementTimeLimit, async (i, t) =>
        {
            await IngestionCalls.PostBatchAsync(client, bodies[i], BatchSize, t);
            context.CountAcknowledged(BatchSize);
        }, ct);
        var backlog = await MaxSequenceAsync(context);
        var events = (int)Math.Min(int.MaxValue, backlog - through);
        // The shards start folding as the service starts; the rate is taken from the progress samples (first move past
        // the start to the last shard at the end), whenever the measurement's own bookkeeping begins.
        await RestartAtAsync(context, previous, shards, through, FullNode(shards));
        await using var watch = await ProjectionProgress.StartAsync(context.Database.DataSource, ct, shards);
        return await context.MeasureAsync(
            $"catch-up-{shards.Count}", $"projection catch-up, {shards.Count} shard{(shards.Count == 1 ? "" : "s")} on this host ({Count(events)} events posted while no projection ran)", events,
            async token =>
            {
                var caughtUp = await watch.WaitForAsync(backlog, CatchUpTimeout, token);
                var start = watch.FirstPast(through) ?? Stopwatch.GetTimestamp();
                var end = watch.VisibleAt(backlog) ?? Stopwatch.GetTimestamp();
                var seconds = Math.Max(0.001, Stopwatch.GetElapsedTime(start, end).TotalSeconds);
                return new LoadResult(1, caughtUp ? 0 : 1, caughtUp ? null : $"not caught up within {CatchUpTimeout.TotalMinutes:0} minutes", seconds,
                    new Latencies([seconds * 1000]), false);
            });
    }

    /// <summary>Restarts the service with <paramref name="settings"/>, every shard of <paramref name="shards"/> set to resume after <paramref name="through"/>.</summary>
    private static async Task RestartAtAsync(PhaseContext context, JourneyShards previous, JourneyShards shards, long through, IReadOnlyDictionary<string, string> settings) =>
        await context.RestartServiceAsync(
            async () =>
            {
                // The journeys are the same whichever shard folded them; only where each shard resumes is set here.
                await using var command = context.Database.DataSource.CreateCommand(
                    $"""
                     insert into {StoreSetup.Schema}.mt_event_progression (name, last_seq_id, last_updated)
                       select name, $2, now() from unnest($1::varchar[]) as s(name)
                     on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated
                     """);
                command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. shards.ProgressNames] });
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = through });
                await command.ExecuteNonQueryAsync(context.Cancellation);
            },
            settings);

    private static async Task<Measurement> MeasureLagAsync(PhaseContext context, ProjectionProgress progress, string key, double rate, string pacing, int seed)
    {
        var client = context.Service.Client;
        var interval = TimeSpan.FromSeconds(BatchSize / rate);
        var batches = (int)Math.Ceiling(context.Options.MeasurementTimeLimit / interval);
        var bodies = HttpBatchPhase.Bodies(context, key, batches, seed);

        var sent = new long[batches];
        var acknowledged = new long[batches];
        var sequences = new long[batches][];
        var late = 0;
        var allVisible = true;
        return await context.MeasureAsync(
            key, string.Create(CultureInfo.InvariantCulture, $"projection lag at {Rate(rate)} events/s"), BatchSize,
            async token =>
            {
                var (load, startedLate) = await PacedLoad.RunAsync(batches, interval, MaxInFlight, context.Options.MeasurementTimeLimit, async (i, t) =>
                {
                    sent[i] = Stopwatch.GetTimestamp();
                    sequences[i] = await IngestionCalls.PostBatchForSequencesAsync(client, bodies[i], BatchSize, t);
                    acknowledged[i] = Stopwatch.GetTimestamp();
                    context.CountAcknowledged(BatchSize);
                }, token);
                late = startedLate;
                var last = sequences.Where(s => s is not null).Select(s => s.Max()).DefaultIfEmpty(0).Max();
                allVisible = await progress.WaitForAsync(last, VisibilityTimeout, token);
                return load;
            },
            m => Task.FromResult(Annotate(m, rate, pacing, interval, late, allVisible, sent, acknowledged, sequences, progress)));
    }

    /// <summary>Waits for the projection to reach the last event; returns the rate it caught up at when there was a backlog worth timing.</summary>
    private static async Task<double?> CatchUpAsync(PhaseContext context, ProjectionProgress progress, string what)
    {
        var backlog = await MaxSequenceAsync(context);
        var from = progress.Latest;
        var waited = Stopwatch.StartNew();
        if (!await progress.WaitForAsync(backlog, CatchUpTimeout, context.Cancellation))
        {
            throw new BenchException($"the CustomerJourney projection did not catch up with {what} ({progress.Latest:N0} of {backlog:N0}) within {CatchUpTimeout.TotalMinutes:0} minutes");
        }

        if (waited.Elapsed <= TimeSpan.FromSeconds(2))
        {
            return null;
        }

        var rate = (backlog - from) / waited.Elapsed.TotalSeconds;
        Console.WriteLine($"  (waited {waited.Elapsed.TotalSeconds:0} s for the projection to catch up with {what}, up to sequence {Count(backlog)}: {Rate(rate)} events/s)");
        return rate;
    }

    /// <summary>HTTP batch ingestion at full speed from 2 clients (phase 3's usual best) with the daemon on the same host.</summary>
    private static async Task<Measurement> MeasureSharedMaximumAsync(PhaseContext context)
    {
        const int clients = 2;
        var bodies = HttpBatchPhase.Bodies(context, "shared", Math.Max(1, context.Options.Events / BatchSize), seed: 51);
        var client = context.Service.Client;
        return await context.MeasureAsync(
            $"shared-batch-{clients}", $"HTTP batch, {clients} clients, projections on the same host", BatchSize,
            token => LoadRunner.RunAsync(clients, bodies.Length, context.Options.MeasurementTimeLimit, async (i, t) =>
            {
                await IngestionCalls.PostBatchAsync(client, bodies[i], BatchSize, t);
                context.CountAcknowledged(BatchSize);
            }, token));
    }

    private static Measurement Annotate(
        Measurement m, double rate, string pacing, TimeSpan interval, int late, bool allVisible, long[] sent, long[] acknowledged, long[][] sequences,
        ProjectionProgress progress)
    {
        var afterAck = new List<double>();
        var afterSend = new List<double>();
        var invisible = 0;
        for (var i = 0; i < sequences.Length; i++)
        {
            if (sequences[i] is not { } batch)
            {
                continue;
            }

            foreach (var sequence in batch)
            {
                if (progress.VisibleAt(sequence) is not { } visible)
                {
                    invisible++;
                    continue;
                }

                // The poll can see a commit a moment before the client has read the answer to it: that is no lag at all.
                afterAck.Add(Math.Max(0, Stopwatch.GetElapsedTime(acknowledged[i], visible).TotalMilliseconds));
                afterSend.Add(Stopwatch.GetElapsedTime(sent[i], visible).TotalMilliseconds);
            }
        }

        var lag = new Latencies([.. afterAck]);
        var fromSend = new Latencies([.. afterSend]);
        var request = m.Load.Latencies;
        var notes = new List<string>
        {
            $"paced at {Rate(rate)} events/s, {pacing}, one batch every {interval.TotalMilliseconds:0} ms, at most {MaxInFlight} in flight; {late} of {m.Load.Operations + m.Load.Failures} batches started late",
            $"lag after the acknowledgement: p50 {Ms(lag.Percentile(50))}, p99 {Ms(lag.Percentile(99))}, max {Ms(lag.Max)}; after sending: p50 {Ms(fromSend.Percentile(50))}, p99 {Ms(fromSend.Percentile(99))}, max {Ms(fromSend.Max)}",
            $"batch request itself: p50 {Ms(request.Percentile(50))}, p99 {Ms(request.Percentile(99))}; progress (mt_event_progression '{ProjectionProgress.Shard}') polled every {ProjectionProgress.Interval.TotalMilliseconds:0} ms",
        };
        if (!allVisible || invisible > 0)
        {
            notes.Add($"NOT VISIBLE: {Count(invisible)} acknowledged events were not in the read model {VisibilityTimeout.TotalMinutes:0} min after the load (not counted above)");
        }

        return m with { Latencies = lag, LatencyOf = "append → visible, after the acknowledgement", Notes = notes };
    }

    private static async Task<long> MaxSequenceAsync(PhaseContext context)
    {
        await using var command = context.Database.DataSource.CreateCommand($"select coalesce(max(seq_id), 0) from {StoreSetup.Schema}.mt_events");
        return (long)(await command.ExecuteScalarAsync(context.Cancellation))!;
    }
}
