using System.Diagnostics.Metrics;
using System.Text.Json;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Infrastructure.Telemetry;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Ingestion.Recording;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
using Npgsql;
using Weasel.Core;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 2: the two append paths side by side, in the bench process (no HTTP), with the same parsed touchpoints,
/// 500 per transaction for customers drawn at random, from 1, 2 and 4 concurrent writers:
/// <list type="bullet">
/// <item>Marten's own: <c>session.Events.Append</c> in the service's Quick mode (QuickWithServerTimestamps), after claiming the event ids in the service's
/// idempotency ledger in the same transaction (exactly once needs the ledger either way), one SaveChangesAsync;</item>
/// <item>the service's: <c>TouchpointAppender</c>, which claims, reserves versions and inserts in one statement.</item>
/// </list>
/// The ratio of the best of each says whether the custom path earns its keep (the design keeps it only while Marten's
/// is below 0.8 of it).
/// </summary>
internal sealed class MartenAppendPhase : IPhase
{
    private const int BatchSize = HttpBatchPhase.BatchSize;

    public int Number => 2;

    public string Title => $"Append paths in-process: Marten's session.Events.Append (Quick) with the id ledger, and the service's TouchpointAppender ({BatchSize} touchpoints per transaction)";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        using var store = ServiceLikeStore(context.Database.ConnectionString);
        await using var dataSource = NpgsqlDataSource.Create(context.Database.ConnectionString);
        using var meters = new BenchMeters();
        using var metrics = new LifecycleMetrics(meters, dataSource, store);
        var appender = new TouchpointAppender(dataSource, store, metrics);
        var origin = new RequestOrigin("bench", null, DateTimeOffset.UtcNow);
        var streamRaces = 0;
        var batches = Math.Max(1, context.Options.Events / BatchSize);

        async Task Marten(ValidTouchpoint[] batch, CancellationToken token)
        {
            // Concurrent sessions appending to one stream collide: two that both create it race on its row (23505 on
            // mt_streams' key), two that both append to it on a version (Marten's concurrency exception). A Marten-based
            // ingestion retries the whole unit of work, and so does this.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await AppendThroughMartenAsync(store, batch, token);
                    Acknowledge(batch.Length, batch.Length);
                    return;
                }
                catch (Exception e) when (attempt < 10 && e is ConcurrencyException
                                          or MartenCommandException { InnerException: PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "pkey_mt_streams_id" } })
                {
                    Interlocked.Increment(ref streamRaces);
                }
            }
        }

        async Task Ours(ValidTouchpoint[] batch, CancellationToken token)
        {
            var result = await appender.AppendAsync(batch, [], origin, token);
            Acknowledge(result.Touchpoints.Count(t => t.Status == AppendStatus.Accepted), batch.Length);
        }

        void Acknowledge(int accepted, int expected)
        {
            if (accepted != expected)
            {
                throw new BenchException($"{accepted} of {expected} touchpoints appended: the ledger already knew some (event ids reused?)");
            }

            context.CountAcknowledged(accepted);
        }

        var warmMarten = Batches(context, "mw", context.Options.Quick ? 4 : 20, seed: 20);
        var warmOurs = Batches(context, "aw", context.Options.Quick ? 4 : 20, seed: 21);
        await context.WarmUpAsync(HttpBatchPhase.ClientCounts[^1], warmMarten.Length, (i, token) => Marten(warmMarten[i], token));
        await context.WarmUpAsync(HttpBatchPhase.ClientCounts[^1], warmOurs.Length, (i, token) => Ours(warmOurs[i], token));

        var measurements = new List<Measurement>();
        foreach (var writers in HttpBatchPhase.ClientCounts)
        {
            var plural = writers == 1 ? "" : "s";
            var forMarten = Batches(context, $"m{writers}", batches, seed: 22 + writers);
            streamRaces = 0;
            measurements.Add(await context.MeasureAsync(
                $"marten-{writers}", $"Marten Events.Append (Quick) + ledger, {writers} session{plural}", BatchSize,
                token => LoadRunner.RunAsync(writers, forMarten.Length, context.Options.MeasurementTimeLimit, (i, t) => Marten(forMarten[i], t), token),
                m => Task.FromResult(m with { Notes = [$"{streamRaces} retries of a batch after a collision with another session on a stream"] })));
            var forOurs = Batches(context, $"a{writers}", batches, seed: 26 + writers);
            measurements.Add(await context.MeasureAsync(
                $"appender-{writers}", $"TouchpointAppender, {writers} writer{plural}", BatchSize,
                token => LoadRunner.RunAsync(writers, forOurs.Length, context.Options.MeasurementTimeLimit, (i, t) => Ours(forOurs[i], t), token)));
        }

        return new PhaseReport(Number, Title, measurements);
    }

    /// <summary>
    /// A store configured as src/CustomerLifecycle/Infrastructure/Store/StoreSetup.cs configures the service's events and
    /// serialiser; the service has already created the schema (with the append function of its Quick mode).
    /// </summary>
    internal static DocumentStore ServiceLikeStore(string connectionString) => DocumentStore.For(opts =>
    {
        opts.Connection(connectionString);
        opts.DatabaseSchemaName = StoreSetup.Schema;
        StoreSetup.ConfigureEventsAndSerializer(opts);
        opts.AutoCreateSchemaObjects = AutoCreate.None;
    });

    /// <summary>
    /// The ledger rows and the events in one unit of work, one SaveChangesAsync. The ledger insert has no ON CONFLICT:
    /// a known id fails the whole transaction, and a real ingestion would then drop the known ids and try again (the
    /// bench's ids are all new).
    /// </summary>
    private static async Task AppendThroughMartenAsync(DocumentStore store, ValidTouchpoint[] batch, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.QueueSqlCommand(
            $"""
             insert into {StoreSetup.Schema}.{IngestionSchema.Ledger} (store_id, event_id, content_hash, customer_id, recorded_at)
             select * from unnest(?::uuid[], ?::text[], ?::bytea[], ?::varchar[], ?::timestamptz[]) order by 1
             """,
            batch.Select(t => t.StoreId).ToArray(),
            batch.Select(t => t.EventId).ToArray(),
            batch.Select(t => t.ContentHash).ToArray(),
            batch.Select(t => t.CustomerId).ToArray(),
            batch.Select(t => t.ReceivedAt).ToArray());
        // In stream order, as the service's path locks streams: concurrent sessions then cannot deadlock (OrderBy is
        // stable, so each stream keeps its events' order).
        foreach (var tp in batch.OrderBy(t => t.CustomerId, StringComparer.Ordinal))
        {
            var e = session.Events.BuildEvent(tp.Event);
            e.Id = tp.StoreId;
            e.SetHeader(TouchpointAppender.Headers.ClientEventId, tp.EventId);
            e.SetHeader(TouchpointAppender.Headers.ClientOccurredAt, tp.ClientOccurredAt);
            session.Events.Append(tp.CustomerId, e);
        }

        await session.SaveChangesAsync(ct);
    }

    /// <summary>Batches of random customers' touchpoints, parsed and validated as the service would, before any clock starts.</summary>
    private static ValidTouchpoint[][] Batches(PhaseContext context, string tag, int count, int seed)
    {
        var parser = new TouchpointParser(new IngestionLimits());
        var receivedAt = DateTimeOffset.UtcNow;
        return [.. HttpBatchPhase.Bodies(context, tag, count, seed).Select(body =>
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.GetProperty("touchpoints").EnumerateArray().Select((item, i) =>
                parser.Parse(item, receivedAt, i).Touchpoint ?? throw new BenchException($"the workload made an invalid touchpoint: {item}")).ToArray();
        })];
    }
}

/// <summary>Meters for the service's own classes when they run in the bench process (nothing listens to them here).</summary>
internal sealed class BenchMeters : IMeterFactory
{
    private readonly List<Meter> meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options);
        meters.Add(meter);
        return meter;
    }

    public void Dispose() => meters.ForEach(m => m.Dispose());
}
