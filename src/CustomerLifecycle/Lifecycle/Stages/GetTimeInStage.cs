using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Stages;

/// <summary>Mean, median and 90th percentile of a duration per customer, in days with one decimal.</summary>
public sealed record DaysSummary(decimal Mean, decimal Median, decimal P90);

/// <summary>
/// One stage: how many customers have had a spell in it (and how many spells, and how many are in it now), how long
/// each one's latest spell in it lasted, and how long they spent in it over all their spells.
/// </summary>
public sealed record StageTimeSummary(LifecycleStage Stage, long Customers, long Spells, long InStageNow, DaysSummary? LatestSpellDays, DaysSummary? TotalDays);

public sealed record TimeInStageReport(DateTimeOffset MeasuredAt, string? Channel, string? Cohort, IReadOnlyList<StageTimeSummary> Stages);

/// <summary>
/// How long customers stay in each stage, from the mirrored stage timelines. A spell still open is measured up to
/// now, but never past the customer's next lifecycle deadline: by then a time-based rule (at risk, churned) ends the
/// spell, even if the sweep has not yet recorded it. Reports come through <see cref="TimeInStageReports"/>: up to
/// <see cref="LifecycleOptions.TimeInStageMaxAge"/> old (measuredAt says when), or measured for this request with
/// fresh=true.
/// </summary>
public static class GetTimeInStage
{
    [WolverineGet("/api/lifecycle/time-in-stage", Name = "GetTimeInStage"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Time customers spend in each stage: latest spell and total per customer, by channel or cohort")]
    [ProducesResponseType<TimeInStageReport>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(TimeInStageReports reports, CancellationToken ct, string? channel = null, string? cohort = null, bool fresh = false)
    {
        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"] });
        }

        return Results.Ok(await reports.GetAsync(channel, cohort, fresh, ct));
    }
}

/// <summary>
/// Measuring time in stage reads every spell of its population (about 20 s at a million customers), so the latest
/// report of each filter is kept and shared. A request gets the kept report while it is younger than
/// <see cref="LifecycleOptions.TimeInStageMaxAge"/>; the first request after that still gets it and starts one
/// measurement in the background; a filter not measured yet, or fresh=true, waits for its own measurement.
/// Concurrent requests for one filter share one measurement, which a client hanging up does not cancel. Each node
/// keeps its own reports, at most <see cref="MaxKept"/> filters.
/// </summary>
public sealed partial class TimeInStageReports(NpgsqlDataSource dataSource, TimeProvider clock, IOptions<LifecycleOptions> options, ILogger<TimeInStageReports> logger)
{
    public const int MaxKept = 256;

    // Npgsql's default 30 s is close to the measurement's time at a million customers.
    private const int CommandTimeoutSeconds = 600;

    private readonly Lock gate = new();
    private readonly Dictionary<(string? Channel, string? Cohort), Kept> kept = [];

    public async Task<TimeInStageReport> GetAsync(string? channel, string? cohort, bool fresh, CancellationToken ct)
    {
        var maxAge = options.Value.TimeInStageMaxAge;
        if (maxAge <= TimeSpan.Zero)
        {
            return await MeasureAsync(channel, cohort, ct);
        }

        var key = (channel, cohort);
        Task<TimeInStageReport> answer;
        lock (gate)
        {
            if (fresh || !kept.TryGetValue(key, out var entry) || entry.Latest.IsFaulted || entry.Latest.IsCanceled)
            {
                answer = StartMeasuring(key, replacesLatest: true);
            }
            else
            {
                answer = entry.Latest;
                if (entry.Latest.IsCompletedSuccessfully && clock.Now() - entry.Latest.Result.MeasuredAt > maxAge && entry.Refreshing is null)
                {
                    StartMeasuring(key, replacesLatest: false);
                }
            }
        }

        return await answer.WaitAsync(ct);
    }

    /// <summary>Starts a shared measurement (caller holds the gate) and keeps its report when it completes.</summary>
    private Task<TimeInStageReport> StartMeasuring((string? Channel, string? Cohort) key, bool replacesLatest)
    {
        var measuring = MeasureAsync(key.Channel, key.Cohort, CancellationToken.None);
        if (kept.TryGetValue(key, out var entry))
        {
            kept[key] = replacesLatest ? entry with { Latest = measuring } : entry with { Refreshing = measuring };
        }
        else if (kept.Count < MaxKept || EvictExpired())
        {
            kept[key] = new Kept(measuring, null);
        }
        else
        {
            return measuring;
        }

        _ = KeepWhenDoneAsync(key, measuring);
        return measuring;
    }

    private async Task KeepWhenDoneAsync((string? Channel, string? Cohort) key, Task<TimeInStageReport> measuring)
    {
        try
        {
            await measuring;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The requests waiting on it get the error themselves; a failed refresh leaves the kept report in place.
            LogMeasurementFailed(logger, ex, key.Channel, key.Cohort);
        }

        lock (gate)
        {
            if (!kept.TryGetValue(key, out var entry))
            {
                return;
            }

            if (entry.Refreshing == measuring)
            {
                entry = entry with { Refreshing = null };
            }

            // A newer report never gives way to an older one (a fresh=true request can finish before a refresh).
            if (measuring.IsCompletedSuccessfully && entry.Latest != measuring
                && (!entry.Latest.IsCompletedSuccessfully || entry.Latest.Result.MeasuredAt <= measuring.Result.MeasuredAt))
            {
                entry = entry with { Latest = measuring };
            }

            if (entry.Latest.IsCompleted && !entry.Latest.IsCompletedSuccessfully && entry.Refreshing is null)
            {
                kept.Remove(key);
            }
            else
            {
                kept[key] = entry;
            }
        }
    }

    /// <summary>Drops the reports past their age that are not being refreshed; true when that made room.</summary>
    private bool EvictExpired()
    {
        var now = clock.Now();
        foreach (var (key, entry) in kept.ToList())
        {
            if (entry.Refreshing is null && entry.Latest.IsCompleted
                && (!entry.Latest.IsCompletedSuccessfully || now - entry.Latest.Result.MeasuredAt > options.Value.TimeInStageMaxAge))
            {
                kept.Remove(key);
            }
        }

        return kept.Count < MaxKept;
    }

    private async Task<TimeInStageReport> MeasureAsync(string? channel, string? cohort, CancellationToken ct)
    {
        var now = clock.Now();
        await using var command = dataSource.CreateCommand(
            $"""
             with measured as (
               -- least() skips nulls: a closed spell ends at left_at (or now, if a future-dated fact ends it later),
               -- an open one at now or at the journey's next deadline, whichever comes first.
               -- The deadline is the journey's: only an open spell joins it.
               select s.customer_id, s.stage, s.ordinal, s.left_at is null as open,
                      greatest(extract(epoch from least(s.left_at, $1, j.next_due_at) - s.entered_at), 0)::float8 as seconds
               from {StoreSetup.Schema}.{JourneyTables.Spells} s
               left join {StoreSetup.Schema}.{JourneyTables.DocumentTable} j on s.left_at is null and j.id = s.customer_id
               where s.entered_at <= $1 and ($2::varchar is null or s.channel = $2) and ($3::varchar is null or s.cohort = $3)
             ),
             per_customer as (
               -- max() over [ordinal, seconds] picks the seconds of the customer's latest spell in the stage without
               -- sorting each group.
               select stage, count(*) as spells, bool_or(open) as open, sum(seconds) as total, (max(array[ordinal, seconds]))[2] as latest
               from measured group by customer_id, stage
             )
             select stage, count(*), sum(spells)::bigint, count(*) filter (where open),
                    avg(latest), percentile_cont(array[0.5, 0.9]) within group (order by latest),
                    avg(total), percentile_cont(array[0.5, 0.9]) within group (order by total)
             from per_customer group by stage
             """);
        command.CommandTimeout = CommandTimeoutSeconds;
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cohort });

        var rows = new Dictionary<LifecycleStage, StageTimeSummary>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var stage = Enum.Parse<LifecycleStage>(reader.GetString(0));
            rows[stage] = new StageTimeSummary(
                stage, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                Summary(reader.GetDouble(4), reader.GetFieldValue<double[]>(5)),
                Summary(reader.GetDouble(6), reader.GetFieldValue<double[]>(7)));
        }

        var stages = Enum.GetValues<LifecycleStage>().Select(s => rows.GetValueOrDefault(s) ?? new StageTimeSummary(s, 0, 0, 0, null, null)).ToList();
        return new TimeInStageReport(now, channel, cohort, stages);
    }

    private static DaysSummary Summary(double meanSeconds, double[] percentiles) =>
        new(JourneyAnalytics.Days(meanSeconds)!.Value, JourneyAnalytics.Days(percentiles[0])!.Value, JourneyAnalytics.Days(percentiles[1])!.Value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Measuring time in stage (channel {Channel}, cohort {Cohort}) failed")]
    private static partial void LogMeasurementFailed(ILogger logger, Exception exception, string? channel, string? cohort);

    private sealed record Kept(Task<TimeInStageReport> Latest, Task<TimeInStageReport>? Refreshing);
}
