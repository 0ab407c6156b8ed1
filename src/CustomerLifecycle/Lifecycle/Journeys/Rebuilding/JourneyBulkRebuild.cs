using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Lifecycle.Journeys.Rebuilding;

public sealed record BulkRebuildResult(long Through, long Events, long Ticks, int Journeys);

/// <summary>What a rebuild is doing: folding customers (most of its time), then counting, indexing and swapping in.</summary>
public enum RebuildStep
{
    Folding,
    Counting,
    Indexing,
    Swapping,
}

/// <param name="Customers">The customers (streams) to fold, counted when the rebuild began.</param>
/// <param name="CustomersDone">Customers folded and written so far.</param>
public sealed record RebuildProgress(RebuildStep Step, long Customers, long CustomersDone);

/// <summary>
/// Rebuilds the <see cref="CustomerJourneyProjection"/> read model (journeys and their mirror tables) from the event
/// store, customer by customer instead of event by event.
///
/// Why not Marten's rebuild: the daemon replays the store in global sequence order, so a page of events touches as
/// many customers as it holds events, and every event costs a load, a re-serialisation and an upsert of that
/// customer's bounded journey plus its mirror rows: bench phase 7 samples it beside this rebuild in the same run (6,221
/// against 29,210 events/s at a million customers, docs/performance.md). A journey depends only
/// on its own customer's events in sequence order, so folding each customer's slice at once gives the same document
/// for one write per customer. Here: customers are read in chunks (their events through the index on
/// (stream_id, version) with their deadline events, the clock ticks of stores that hold them from a per-rebuild table), folded in parallel with the projection's own
/// <see cref="JourneyFold.FromScratch"/>, and written with binary COPY into shadow tables without indexes.
/// The shadows are indexed after the load and swapped in by renaming, in one short transaction that also moves the
/// projection's progress to the rebuild's high-water mark, so readers see the old read model until the new one is
/// complete, and never a half-built one.
///
/// The live agent of the projection must not write meanwhile (it would write to the tables being replaced, and
/// its progress would pass over the swap): <see cref="RunAsync"/> pauses it before reading the high-water mark and
/// lets it resume after the swap, from the progress the swap sets (<see cref="LiveProjectionAgents"/>).
/// </summary>
public sealed partial class JourneyBulkRebuild(
    IDocumentStore store, NpgsqlDataSource dataSource, RuleSet rules, JourneyShards shards, LiveProjectionAgents liveAgents, ILogger<JourneyBulkRebuild> logger)
{
    /// <summary>Customers per chunk: one events query, one fold and one COPY per table each.</summary>
    public int ChunkSize { get; init; } = 1_000;

    /// <summary>Chunks folded at once; each holds one connection. Reading, folding and writing overlap across them.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount + 1;

    /// <summary>The daemon shard of the journey projection when it runs as one shard.</summary>
    public const string Shard = CustomerJourneyProjection.ProjectionName + ":All";
    private const string Suffix = "_rb";
    private const string Ticks = "cl_rebuild_ticks";
    private const string Schema = StoreSetup.Schema;
    private static readonly string[] Tables =
    [
        JourneyTables.DocumentTable, JourneyTables.Spells, JourneyTables.Months, JourneyTables.Transitions, JourneyTables.Flows, JourneyTables.CohortActivity,
        JourneyTables.CohortSizes, PopulationCounts.StageTime, PopulationCounts.Funnel,
    ];

    // Only one rebuild at a time across all nodes: the shadow tables are shared.
    private const long AdvisoryLockKey = 0x636C5F7262_01;

    /// <summary>
    /// Lifts a live-agent pause that a rebuild left behind when its process died, unless a rebuild is running right now
    /// (it holds the rebuild lock on its own connection until it has resumed the agent).
    /// </summary>
    public async Task RecoverAsync(CancellationToken ct)
    {
        await using var control = await dataSource.OpenConnectionAsync(ct);
        if (!await ScalarAsync<bool>(control, "select pg_try_advisory_lock($1)", AdvisoryLockKey, ct))
        {
            return;
        }

        try
        {
            foreach (var shard in shards.ProgressNames)
            {
                await liveAgents.ResumeIfPausedAsync(shard, ct);
            }
        }
        finally
        {
            await ScalarAsync<bool>(control, "select pg_advisory_unlock($1)", AdvisoryLockKey, CancellationToken.None);
        }
    }

    /// <summary>
    /// Rebuilds once when the store holds journeys of the earlier, unbounded shape (a whole journal per document, no
    /// transition rows): the first start after an upgrade. True when it rebuilt.
    /// </summary>
    public async Task<bool> UpgradeIfNeededAsync(CancellationToken ct)
    {
        await using var control = await dataSource.OpenConnectionAsync(ct);
        await using (var command = new NpgsqlCommand($"select exists (select 1 from {Schema}.{JourneyTables.DocumentTable} where data ? 'journal')", control))
        {
            if (!(bool)(await command.ExecuteScalarAsync(ct))!)
            {
                return false;
            }
        }

        LogUpgrading(logger);
        await RunAsync(ct);
        return true;
    }

    private readonly ISerializer serializer = store.Options.Serializer();
    private readonly Dictionary<string, Type> touchpointTypes = TouchpointTypes.All.ToDictionary(t => t.Name, t => t.Type, StringComparer.Ordinal);
    private readonly string dotnetType = typeof(CustomerJourney).FullName!;

    /// <param name="progress">Told after each chunk and at each later step; called from the rebuild's workers.</param>
    public async Task<BulkRebuildResult> RunAsync(CancellationToken ct, Action<RebuildProgress>? progress = null)
    {
        progress ??= static _ => { };
        var clock = Stopwatch.StartNew();
        await using var control = await dataSource.OpenConnectionAsync(ct);
        if (!await ScalarAsync<bool>(control, "select pg_try_advisory_lock($1)", AdvisoryLockKey, ct))
        {
            throw new InvalidOperationException("Another journey rebuild is running against this database.");
        }

        try
        {
            // Paused before the high-water mark is read, so every event after it is left to the resumed agent.
            var paused = new List<IAsyncDisposable>();
            await using var resume = new ResumeAll(paused);
            foreach (var shard in shards.ProgressNames)
            {
                paused.Add(await liveAgents.PauseAsync(shard, ct));
            }

            var through = await HighWaterMarkAsync(control, ct);
            await ExecuteAsync(control, PrepareSql(through), ct);
            var totals = new Totals { Customers = await CustomerCountAsync(control, ct), Progress = progress };
            progress(new RebuildProgress(RebuildStep.Folding, totals.Customers, 0));
            var chunks = Channel.CreateBounded<string[]>(Parallelism * 2);
            var producer = ProduceChunksAsync(chunks.Writer, ct);
            var workers = Enumerable.Range(0, Parallelism).Select(_ => WorkAsync(chunks.Reader, through, totals, ct)).ToList();
            await Task.WhenAll([producer, .. workers]);
            LogLoaded(logger, totals.Journeys, totals.Events, through, clock.Elapsed.TotalSeconds);
            // The shadows carry no counting triggers (counting row by row would cost more than one pass at the end).
            progress(new RebuildProgress(RebuildStep.Counting, totals.Customers, totals.CustomersDone));
            await ExecuteAsync(control, JourneyTables.CountFlowsSql(Schema, JourneyTables.Spells + Suffix, JourneyTables.Flows + Suffix), ct);
            await ExecuteAsync(
                control,
                JourneyTables.CountCohortsSql(
                    Schema, JourneyTables.DocumentTable + Suffix, JourneyTables.Months + Suffix, JourneyTables.CohortActivity + Suffix, JourneyTables.CohortSizes + Suffix),
                ct);
            await ExecuteAsync(
                control, PopulationCounts.CountAllSql(Schema, JourneyTables.Spells + Suffix, PopulationCounts.StageTime + Suffix, PopulationCounts.Funnel + Suffix), ct);

            progress(new RebuildProgress(RebuildStep.Indexing, totals.Customers, totals.CustomersDone));
            var indexes = await IndexesAsync(control, ct);
            await ExecuteAsync(control, IndexSql(indexes), ct);
            progress(new RebuildProgress(RebuildStep.Swapping, totals.Customers, totals.CustomersDone));
            await using (var swap = await control.BeginTransactionAsync(ct))
            {
                await ExecuteAsync(control, SwapSql(indexes, through), ct);
                await swap.CommitAsync(ct);
            }

            await ExecuteAsync(control, $"drop table if exists {Schema}.{Ticks}", ct);
            return new BulkRebuildResult(through, totals.Events, totals.Ticks, totals.Journeys);
        }
        catch
        {
            // Leave nothing half-built behind; the live read model was never touched before the swap.
            await using var cleanup = new NpgsqlCommand(DropShadowsSql(), control);
            await cleanup.ExecuteNonQueryAsync(CancellationToken.None);
            throw;
        }
        finally
        {
            await ScalarAsync<bool>(control, "select pg_advisory_unlock($1)", AdvisoryLockKey, CancellationToken.None);
        }
    }

    private static string DropShadowsSql() =>
        $"drop table if exists {string.Join(", ", Tables.Select(t => $"{Schema}.{t}{Suffix}"))}, {Schema}.{Ticks};";

    // DDL takes no parameters: the one value, a number, is written in.
    private static string PrepareSql(long through) => DropShadowsSql() + string.Concat(Tables.Select(t =>
            $"create table {Schema}.{t}{Suffix} (like {Schema}.{t} including defaults including storage including compression);\n")) +
        $"""
         create unlogged table {Schema}.{Ticks} as
           select c.customer_id, e.seq_id, e.data->'asOf' as as_of
           from {Schema}.mt_events e cross join lateral jsonb_array_elements_text(e.data->'customerIds') as c(customer_id)
           where e.type = '{LifecycleClockTicked.EventTypeName}' and e.seq_id <= {through} and e.is_archived = false;
         create index on {Schema}.{Ticks} (customer_id, seq_id);
         analyze {Schema}.{Ticks};
         """;

    private async Task WorkAsync(ChannelReader<string[]> chunks, long through, Totals totals, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await foreach (var ids in chunks.ReadAllAsync(ct))
        {
            var inputs = await ReadChunkAsync(connection, ids, through, totals, ct);
            var journeys = new List<JourneyChange>(ids.Length);
            foreach (var id in ids)
            {
                if (inputs.TryGetValue(id, out var slice) && JourneyFold.FromScratch(id, slice, rules) is { } journey)
                {
                    journeys.Add(journey);
                }
            }

            await WriteAsync(connection, journeys, ct);
            Interlocked.Add(ref totals.Journeys, journeys.Count);
            var done = Interlocked.Add(ref totals.CustomersDone, ids.Length);
            totals.Progress(new RebuildProgress(RebuildStep.Folding, totals.Customers, done));
        }
    }

    /// <summary>Each customer's touchpoints and deadline events, and the clock ticks naming them, merged in sequence order.</summary>
    private async Task<Dictionary<string, List<JourneyInput>>> ReadChunkAsync(
        NpgsqlConnection connection, string[] ids, long through, Totals totals, CancellationToken ct)
    {
        var slices = new Dictionary<string, List<JourneyInput>>(ids.Length, StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(
                         $"""
                          select stream_id, seq_id, id, type, timestamp, data from {Schema}.mt_events
                          where stream_id = any($1) and seq_id <= $2 and type = any($3) and is_archived = false
                          order by stream_id, seq_id
                          """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = through });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. touchpointTypes.Keys, LifecycleDeadlineReached.EventTypeName] });
            await using var reader = await command.ExecuteReaderAsync(ct);
            var count = 0L;
            while (await reader.ReadAsync(ct))
            {
                var streamId = reader.GetString(0);
                var type = reader.GetString(3);
                if (type == LifecycleDeadlineReached.EventTypeName)
                {
                    var deadline = serializer.FromJson<LifecycleDeadlineReached>(reader, 5);
                    Slice(slices, streamId).Add(new JourneyInput(
                        reader.GetInt64(1), reader.GetGuid(2), type, reader.GetFieldValue<DateTimeOffset>(4), null, deadline.AsOf));
                    count++;
                    continue;
                }

                var touchpoint = (Touchpoint)serializer.FromJson(touchpointTypes[type], reader, 5);
                // The projection slices by the customer id inside the event; the append path makes it the stream key.
                // A store where they differ cannot be rebuilt customer by customer (Marten's rebuild still can).
                if (!string.Equals(touchpoint.CustomerId, streamId, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"Event {reader.GetInt64(1)} in stream '{streamId}' is about customer '{touchpoint.CustomerId}': the bulk rebuild needs stream key = customer id.");
                }

                Slice(slices, streamId).Add(new JourneyInput(
                    reader.GetInt64(1), reader.GetGuid(2), type, reader.GetFieldValue<DateTimeOffset>(4), touchpoint, null));
                count++;
            }

            Interlocked.Add(ref totals.Events, count);
        }

        await using (var command = new NpgsqlCommand(
                         $"select customer_id, seq_id, as_of from {Schema}.{Ticks} where customer_id = any($1) order by customer_id, seq_id", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            await using var reader = await command.ExecuteReaderAsync(ct);
            var count = 0L;
            var withTicks = new HashSet<string>(StringComparer.Ordinal);
            while (await reader.ReadAsync(ct))
            {
                var customer = reader.GetString(0);
                // Read by the projection's own deserializer, offset included: the journal stores the value as it is.
                var asOf = serializer.FromJson<DateTimeOffset>(reader, 2);
                Slice(slices, customer).Add(new JourneyInput(reader.GetInt64(1), Guid.Empty, LifecycleClockTicked.EventTypeName, default, null, asOf));
                withTicks.Add(customer);
                count++;
            }

            Interlocked.Add(ref totals.Ticks, count);
            foreach (var customer in withTicks)
            {
                // Both lists came sorted by sequence; ticks were appended after the touchpoints, so merge them.
                slices[customer].Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
            }
        }

        return slices;
    }

    private static List<JourneyInput> Slice(Dictionary<string, List<JourneyInput>> slices, string customer)
    {
        if (!slices.TryGetValue(customer, out var slice))
        {
            slices[customer] = slice = [];
        }

        return slice;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, long parameter, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = parameter });
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private sealed class Totals
    {
        public long Customers;
        public long CustomersDone;
        public Action<RebuildProgress> Progress = static _ => { };
        public long Events;
        public long Ticks;
        public int Journeys;
    }

    /// <summary>Resumes every paused shard, even when the rebuild failed or was cancelled.</summary>
    private sealed class ResumeAll(List<IAsyncDisposable> paused) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var pause in paused)
            {
                await pause.DisposeAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store holds journeys of the earlier unbounded shape: rebuilding the journey read model once")]
    private static partial void LogUpgrading(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journey rebuild loaded {Journeys} journeys from {Events} events through sequence {Through} in {Seconds:F1} s")]
    private static partial void LogLoaded(ILogger logger, int journeys, long events, long through, double seconds);
}
