using CustomerLifecycle.Infrastructure.Store;
using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerLifecycle.Operations;

/// <summary>Bounds beyond which a projection node stops calling itself ready (configuration <c>Health:Projections</c>).</summary>
public sealed class ProjectionHealthOptions
{
    public const string Section = "Health:Projections";

    /// <summary>Events a projection may be behind the store before readiness turns Degraded.</summary>
    public long MaxLag { get; set; } = 50_000;

    /// <summary>
    /// How long a projection with events to fold may go without recording progress (and its oldest unfolded event
    /// wait) before it counts as stopped and readiness turns Unhealthy. A projection working through a backlog records
    /// progress with every page, so it is behind (Degraded), not stopped. Keep it longer than the daemon's gap threshold
    /// (30 s), which holds a projection back legitimately after a rolled-back append.
    /// </summary>
    public TimeSpan StoppedAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Refuses bounds that make no sense at start-up, naming the setting (with ValidateOnStart).</summary>
    public sealed class Validator : IValidateOptions<ProjectionHealthOptions>
    {
        public ValidateOptionsResult Validate(string? name, ProjectionHealthOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var problems = new List<string>();
            if (options.MaxLag < 1)
            {
                problems.Add($"{Section}:MaxLag must be at least 1 (events), not {options.MaxLag}");
            }

            if (options.StoppedAfter <= TimeSpan.Zero)
            {
                problems.Add($"{Section}:StoppedAfter must be a positive time span, not {options.StoppedAfter}");
            }

            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}

/// <summary>
/// Readiness of the read side: each asynchronous projection's lag behind the store (events) and how long the oldest
/// event it has not folded has waited. Both are read from the store itself, not from the daemon, so a stopped daemon
/// cannot report itself well. Unhealthy when a projection has stopped, Degraded when it is merely far behind or paused
/// for a rebuild; the data names each projection's numbers.
/// </summary>
public sealed class ProjectionHealthCheck(
    IDocumentStore store, NpgsqlDataSource dataSource, ProjectionRebuilds rebuilds, TimeProvider clock, IOptions<ProjectionHealthOptions> options)
    : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var bounds = options.Value;
        var data = new Dictionary<string, object>();
        var stopped = new List<string>();
        var behind = new List<string>();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            foreach (var projection in store.Options.Events.Projections().Select(p => p.Name))
            {
                var (lag, waited, sinceProgress) = await ProgressAsync($"{projection}:All", timeout.Token);
                data[$"{projection}.lag"] = lag;
                data[$"{projection}.oldest_unprocessed_age_seconds"] = Math.Round(waited.TotalSeconds, 1);
                if (sinceProgress is { } since)
                {
                    data[$"{projection}.seconds_since_progress"] = Math.Round(since.TotalSeconds, 1);
                }

                if (rebuilds.Latest(projection) is { State: "running" })
                {
                    behind.Add($"{projection} is paused for a rebuild ({lag} events behind)");
                }
                else if (lag > 0 && waited > bounds.StoppedAfter && !(sinceProgress <= bounds.StoppedAfter))
                {
                    stopped.Add($"{projection} has stopped: no progress for {(sinceProgress ?? waited).TotalSeconds:0} s and an event stored {waited.TotalSeconds:0} s ago is not folded in ({lag} events behind)");
                }
                else if (lag > bounds.MaxLag)
                {
                    behind.Add($"{projection} is {lag} events behind (bound {bounds.MaxLag})");
                }
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("Projection progress cannot be read: PostgreSQL does not answer", ex);
        }

        return stopped.Count > 0 ? HealthCheckResult.Unhealthy(string.Join("; ", [.. stopped, .. behind]), data: data)
            : behind.Count > 0 ? HealthCheckResult.Degraded(string.Join("; ", behind), data: data)
            : HealthCheckResult.Healthy("Projections keep up", data);
    }

    /// <summary>Events behind, how long the oldest unfolded event has waited, and how long since the projection last recorded progress (null: never).</summary>
    private async Task<(long Lag, TimeSpan Waited, TimeSpan? SinceProgress)> ProgressAsync(string shard, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             with progress as (
               select coalesce(max(last_seq_id), 0) as processed, max(last_updated) as updated
               from {StoreSetup.Schema}.mt_event_progression where name = $1)
             select (select coalesce(max(seq_id), 0) from {StoreSetup.Schema}.mt_events) - p.processed,
                    (select e.timestamp from {StoreSetup.Schema}.mt_events e where e.seq_id > p.processed order by e.seq_id limit 1),
                    extract(epoch from now() - p.updated)::float8
             from progress p
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = shard });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var lag = Math.Max(0, reader.GetInt64(0));
        var waited = reader.IsDBNull(1) ? TimeSpan.Zero : clock.GetUtcNow() - reader.GetFieldValue<DateTimeOffset>(1);
        TimeSpan? sinceProgress = reader.IsDBNull(2) ? null : TimeSpan.FromSeconds(Math.Max(0, reader.GetDouble(2)));
        return (lag, waited < TimeSpan.Zero ? TimeSpan.Zero : waited, sinceProgress);
    }
}
