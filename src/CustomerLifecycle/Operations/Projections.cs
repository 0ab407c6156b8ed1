using System.Collections.Concurrent;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Lifecycle.Journeys.Rebuilding;
using Marten;
using Npgsql;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;
using Wolverine.Runtime;

namespace CustomerLifecycle.Operations;

public sealed record RebuildStatus(string Projection, string State, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error)
{
    /// <summary>The sequence the rebuilt read model is complete through; the live projection carries on after it.</summary>
    public long? Through { get; init; }

    /// <summary>Events (touchpoints and clock-tick entries) the rebuild folded.</summary>
    public long? Events { get; init; }

    /// <summary>Read-model documents the rebuild wrote.</summary>
    public int? Journeys { get; init; }

    /// <summary>How far the rebuild has come: its step and the customers folded; null until it has counted them, and for Marten's rebuilds.</summary>
    public RebuildProgress? Progress { get; init; }
}

/// <param name="RunningHere">Whether this node runs the projection's agent now (Wolverine gives each agent to one node of the cluster).</param>
public sealed record ProjectionStatus(string Projection, string Shard, long ProcessedThrough, long Lag, DateTimeOffset? LastUpdated, RebuildStatus? Rebuild, bool RunningHere);

public sealed record ProjectionsReport(long HighWaterMark, long Events, long Streams, IReadOnlyList<ProjectionStatus> Projections);

/// <summary>
/// Runs rebuilds in the background (they can take minutes) and remembers how the last one of each projection went.
/// The journey projection (the only one today) is rebuilt by <see cref="JourneyBulkRebuild"/>: customer by customer
/// into shadow tables that replace the read model in one transaction, while its live agent is paused; readers see
/// the old read model until then, and the live agent resumes from the rebuild's high-water mark. Any other projection
/// goes through Marten's rebuild, which replays the store with a daemon of its own while the live one keeps running.
/// </summary>
public sealed partial class ProjectionRebuilds(
    IDocumentStore store, JourneyBulkRebuild bulk, JourneyShards shards, TimeProvider clock, IHostApplicationLifetime lifetime,
    Infrastructure.Telemetry.LifecycleMetrics metrics, ILogger<ProjectionRebuilds> logger)
{
    // Marten's default gives a replay 5 minutes, which a store of a few million events outgrows: the rebuild then
    // fails half done. A rebuild takes as long as the store needs; stopping the service still cancels it.
    private static readonly TimeSpan ReplayTimeLimit = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, RebuildStatus> latest = new(StringComparer.Ordinal);

    public RebuildStatus? Latest(string projection) => latest.GetValueOrDefault(Key(projection));

    /// <summary>The journey projection's shards are rebuilt together, as "CustomerJourney".</summary>
    private string Key(string projection) => shards.Includes(projection) ? CustomerJourneyProjection.ProjectionName : projection;

    /// <summary>Starts a rebuild unless one of the same projection is running; returns the status to report.</summary>
    public (RebuildStatus Status, bool Started) Start(string projection)
    {
        projection = Key(projection);
        var running = new RebuildStatus(projection, "running", clock.Now(), null, null);
        var current = latest.AddOrUpdate(projection, running, (_, existing) => existing.State == "running" ? existing : running);
        if (!ReferenceEquals(current, running))
        {
            return (current, false);
        }

        _ = Task.Run(() => RunAsync(running), CancellationToken.None);
        return (running, true);
    }

    private async Task RunAsync(RebuildStatus running)
    {
        try
        {
            if (shards.Includes(running.Projection))
            {
                // Customer by customer into shadow tables, swapped in whole; the live agent waits meanwhile.
                var result = await bulk.RunAsync(lifetime.ApplicationStopping, progress => Report(running, progress));
                latest[running.Projection] = latest[running.Projection] with
                {
                    State = "completed", FinishedAt = clock.Now(), Through = result.Through, Events = result.Events + result.Ticks,
                    Journeys = result.Journeys,
                };
                metrics.Rebuilt(running.Projection, result.Events + result.Ticks);
                return;
            }

            using var daemon = await store.BuildProjectionDaemonAsync();
            await daemon.RebuildProjectionAsync(running.Projection, ReplayTimeLimit, lifetime.ApplicationStopping);
            latest[running.Projection] = running with { State = "completed", FinishedAt = clock.Now() };
        }
        catch (Exception ex)
        {
            LogRebuildFailed(logger, running.Projection, ex);
            latest[running.Projection] = latest[running.Projection] with { State = "failed", FinishedAt = clock.Now(), Error = ex.Message };
        }
    }

    /// <summary>Keeps the furthest progress: the rebuild's workers report concurrently, so a report can arrive behind a later one.</summary>
    private void Report(RebuildStatus running, RebuildProgress progress) =>
        latest.AddOrUpdate(running.Projection, running with { Progress = progress }, (_, existing) =>
            existing.StartedAt == running.StartedAt && existing.State == "running"
            && (existing.Progress is not { } shown || progress.Step > shown.Step || (progress.Step == shown.Step && progress.CustomersDone > shown.CustomersDone))
                ? existing with { Progress = progress }
                : existing);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebuild of projection {Projection} failed")]
    private static partial void LogRebuildFailed(ILogger logger, string projection, Exception ex);
}

/// <summary>Projection status (progress, lag) and rebuilds, for operators. The CLI has the same: `projections list|rebuild`.</summary>
public static class ProjectionEndpoints
{
    [WolverineGet("/api/projections", Name = "GetProjections"), Authorize(Policy = Scopes.Operate), Tags("Operations")]
    [EndpointSummary("Each projection's progress and lag behind the event store, and its latest rebuild")]
    [ProducesResponseType<ProjectionsReport>(200)]
    public static async Task<ProjectionsReport> Get(IDocumentStore store, NpgsqlDataSource dataSource, ProjectionRebuilds rebuilds, IWolverineRuntime runtime, CancellationToken ct)
    {
        // Agent URIs end with the database and the shard, e.g. event-subscriptions://marten/main/db/customerjourney/all.
        var running = runtime.Agents.AllRunningAgentUris().Select(u => u.ToString().TrimEnd('/')).ToList();
        var (events, streams, lastSequence) = await CountsAsync(dataSource, ct);
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        var highWater = progress.FirstOrDefault(p => p.ShardName == "HighWaterMark")?.Sequence ?? lastSequence;
        var projections = store.Options.Events.Projections().Select(p => p.Name).ToList();
        return new ProjectionsReport(
            highWater,
            events,
            streams,
            [.. projections.Select(name =>
            {
                var shard = progress.FirstOrDefault(p => p.ShardName.StartsWith(name + ":", StringComparison.Ordinal));
                var processed = shard?.Sequence ?? 0;
                var here = running.Any(u => u.EndsWith("/" + name.ToLowerInvariant() + "/all", StringComparison.OrdinalIgnoreCase));
                return new ProjectionStatus(name, shard?.ShardName ?? name + ":All", processed, Math.Max(0, highWater - processed), shard?.LastUpdated, rebuilds.Latest(name), here);
            })]);
    }

    /// <summary>
    /// Event and stream counts that stay cheap at any size: exact below a million rows, the planner's estimate (kept
    /// by autovacuum) above. An exact count(*) scans the whole table: seconds per call at ten million events, and
    /// operators poll this endpoint during rebuilds.
    /// </summary>
    private static async Task<(long Events, long Streams, long LastSequence)> CountsAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        const long ExactBelow = 1_000_000;
        const string Schema = StoreSetup.Schema;
        // reltuples is -1 until the table's first vacuum or analyze (e.g. right after a bulk load): then the statistics
        // collector's live-row count, and failing that the last sequence number, stand in for the count (the last
        // sequence is an upper bound: gaps and archived events are included).
        await using var command = dataSource.CreateCommand(
            $"""
             with estimate as (
               select greatest((select reltuples::bigint from pg_class where oid = '{Schema}.mt_events'::regclass),
                               (select n_live_tup from pg_stat_user_tables where relid = '{Schema}.mt_events'::regclass)) as events,
                      greatest((select reltuples::bigint from pg_class where oid = '{Schema}.mt_streams'::regclass),
                               (select n_live_tup from pg_stat_user_tables where relid = '{Schema}.mt_streams'::regclass)) as streams,
                      (select coalesce(max(seq_id), 0) from {Schema}.mt_events) as last_sequence)
             select case when e.events >= {ExactBelow} then e.events
                         when e.events <= 0 and e.last_sequence >= {ExactBelow} then e.last_sequence
                         else (select count(*) from {Schema}.mt_events) end,
                    case when e.streams >= {ExactBelow} then e.streams
                         else (select count(*) from {Schema}.mt_streams) end,
                    e.last_sequence
             from estimate e
             """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    [WolverinePost("/api/projections/{projection}/rebuild", Name = "RebuildProjection"), Authorize(Policy = Scopes.Operate), Tags("Operations")]
    [EndpointSummary("Rebuild a projection from the event store, in the background")]
    [ProducesResponseType<RebuildStatus>(202), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(409, "application/problem+json")]
    public static IResult Rebuild(string projection, IDocumentStore store, ProjectionRebuilds rebuilds, JourneyShards shards)
    {
        if (!shards.Includes(projection) && !store.Options.Events.Projections().Any(p => p.Name == projection))
        {
            return Results.Problem(statusCode: 404, title: "Unknown projection",
                detail: $"Known projections: {string.Join(", ", store.Options.Events.Projections().Select(p => p.Name))}.");
        }

        var (status, started) = rebuilds.Start(projection);
        return started
            ? Results.Accepted("/api/projections", status)
            : Results.Problem(statusCode: 409, title: "Rebuild already running", detail: $"A rebuild of {projection} started at {status.StartedAt:O} is still running.");
    }
}
