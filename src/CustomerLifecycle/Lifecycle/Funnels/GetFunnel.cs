using System.Globalization;
using System.Text.RegularExpressions;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Funnels;

/// <summary>Days from reaching the previous step to reaching this one, over the customers who reached this one.</summary>
public sealed record DaysToConvert(decimal Median, decimal P75, decimal P90);

/// <param name="Customers">Entrants who reached this stage or a later main-path stage (see <see cref="FunnelDefinitions"/>).</param>
/// <param name="PassedThrough">Entrants who had a spell in this very stage.</param>
/// <param name="ConversionPercent">Customers of this step per 100 customers of the previous step.</param>
/// <param name="PercentOfEntrants">Customers of this step per 100 entrants.</param>
/// <param name="PassedThroughConversionPercent">Of the entrants who passed through the previous stage, how many per 100 reached this stage or a later one.</param>
/// <param name="DaysFromPreviousStep">Days from reaching the previous step to reaching this one.</param>
public sealed record FunnelStep(
    LifecycleStage Stage, long Customers, decimal? ConversionPercent, decimal? PercentOfEntrants, DaysToConvert? DaysFromPreviousStep,
    long PassedThrough, decimal? PassedThroughConversionPercent);

/// <summary>What each number of a funnel step counts, in words, so an answer reads correctly on its own.</summary>
public sealed record FunnelDefinitions
{
    public static FunnelDefinitions Instance { get; } = new();

    public string Customers { get; } = "entrants who reached this stage or a later main-path stage (a skipped stage counts as reached when passed)";

    public string PassedThrough { get; } = "entrants who had a spell in this very stage";

    public string ConversionPercent { get; } = "customers of this step per 100 customers of the previous step (reached or later, not a rate of the previous stage alone)";

    public string PercentOfEntrants { get; } = "customers of this step per 100 entrants (customers of the first step)";

    public string PassedThroughConversionPercent { get; } = "of the entrants who passed through the previous stage, how many per 100 reached this stage or a later one: e.g. the trial-to-customer rate";

    public string DaysFromPreviousStep { get; } = "days from reaching the previous step to reaching this one, over the customers who reached this one";
}

/// <summary>One funnel; Channel or Cohort names the group when the funnel is split by one of them.</summary>
public sealed record FunnelGroup(string? Channel, string? Cohort, IReadOnlyList<FunnelStep> Steps);

public sealed record Funnel(DateTimeOffset From, DateTimeOffset To, string? By, string? Channel, string? Cohort, IReadOnlyList<FunnelGroup> Groups)
{
    public FunnelDefinitions Definitions => FunnelDefinitions.Instance;
}

/// <summary>
/// How far the customers first seen in a window got along the main path, step by step, and how long each step took.
/// Reaching a step means having had a spell in that stage or in any later main-path stage, so a skipped step counts
/// as reached when the customer passed it, at the moment they passed it. Each step also counts who passed through
/// that very stage, and how many of those who passed through the previous stage went on (a trial conversion rate).
/// </summary>
public static partial class GetFunnel
{
    public const int MaxYears = 3;

    // The grouping column comes from this allow-list, never from the request text.
    private static readonly Dictionary<string, string> GroupColumns = new(StringComparer.Ordinal)
    {
        ["channel"] = "channel",
        ["cohort"] = "first_seen_month",
    };

    private static readonly string[] MainPathNames = [.. StageGroups.MainPath.Select(s => s.ToString())];

    // Per customer, when they reached each step: step n is reached by the first spell in the n-th main-path stage or a
    // later one. One aggregate per customer, generated from the step numbers (no request text).
    private static readonly string ReachedAt = string.Join(", ", Enumerable.Range(1, StageGroups.MainPath.Count)
        .Select(n => string.Create(CultureInfo.InvariantCulture, $"min(s.entered_at) filter (where main_path.position >= {n})")));

    // Per customer, whether they had a spell in each step's own stage.
    private static readonly string PassedThrough = string.Join(", ", Enumerable.Range(1, StageGroups.MainPath.Count)
        .Select(n => string.Create(CultureInfo.InvariantCulture, $"coalesce(bool_or(main_path.position = {n}), false)")));

    [WolverineGet("/api/lifecycle/funnel", Name = "GetFunnel"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Conversion along the main path for customers first seen in a window, optionally per channel or first-seen month")]
    [ProducesResponseType<Funnel>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(
        NpgsqlDataSource dataSource, CancellationToken ct,
        string? from = null, string? to = null, string? by = null, string? channel = null, string? cohort = null)
    {
        var errors = new Dictionary<string, string[]>();
        var start = Instant(from, "from", errors);
        var end = Instant(to, "to", errors);
        if (start is { } s && end is { } e)
        {
            if (e <= s)
            {
                errors["to"] = ["must be after from"];
            }
            else if (e > s.AddYears(MaxYears))
            {
                errors["to"] = [$"must be at most {MaxYears} years after from"];
            }
        }

        var groupColumn = "null::varchar";
        if (by is not null && !GroupColumns.TryGetValue(by, out groupColumn))
        {
            errors["by"] = [$"must be one of {string.Join(", ", GroupColumns.Keys)}"];
        }

        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            errors["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var spells = $"{StoreSetup.Schema}.{JourneyTables.Spells}";
        await using var command = dataSource.CreateCommand(
            $"""
             with entrants as (
               select customer_id, {groupColumn} as grp from {spells}
               where ordinal = 1 and entered_at >= $1 and entered_at < $2
                 and ($3::varchar is null or channel = $3) and ($4::varchar is null or first_seen_month = $4)
             ),
             reached as (
               -- Per entrant, through the spells' primary key: a month's entrants are a few percent of the customers,
               -- and joined as a set the planner hashed every spell of the store (2.7 s at a million customers).
               select e.grp, r.at, r.passed
               from entrants e
               cross join lateral (
                 select array[{ReachedAt}] as at, array[{PassedThrough}] as passed
                 from {spells} s
                 join unnest($5::varchar[]) with ordinality as main_path(stage, position) on main_path.stage = s.stage
                 where s.customer_id = e.customer_id
               ) r
             )
             select r.grp, step.n, count(*),
                    percentile_cont(array[0.5, 0.75, 0.9]) within group (order by extract(epoch from r.at[step.n] - r.at[step.n - 1])::float8),
                    count(*) filter (where r.passed[step.n]),
                    count(*) filter (where step.n > 1 and r.passed[step.n - 1])
             from reached r cross join lateral generate_series(1, cardinality(r.at)) as step(n)
             where r.at[step.n] is not null
             group by r.grp, step.n order by r.grp nulls last, step.n
             """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = start!.Value });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = end!.Value });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cohort });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = MainPathNames });

        var groups = new List<(string? Key, Dictionary<int, StepRow> Steps)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = reader.IsDBNull(0) ? null : reader.GetString(0);
                if (groups.Count == 0 || groups[^1].Key != key)
                {
                    groups.Add((key, []));
                }

                groups[^1].Steps[reader.GetInt32(1)] = new StepRow(
                    reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<double[]>(3), reader.GetInt64(4), reader.GetInt64(5));
            }
        }

        if (by is null && groups.Count == 0)
        {
            groups.Add((null, []));
        }

        return Results.Ok(new Funnel(
            start.Value, end.Value, by, channel, cohort,
            [.. groups.Select(g => new FunnelGroup(by == "channel" ? g.Key : null, by == "cohort" ? g.Key : null, Steps(g.Steps)))]));
    }

    /// <summary>One step's counts from the query; <paramref name="ReachedAfterPassingPrevious"/> counts who passed through the previous stage and reached this step.</summary>
    private readonly record struct StepRow(long Customers, double[]? Seconds, long PassedThrough, long ReachedAfterPassingPrevious);

    private static List<FunnelStep> Steps(Dictionary<int, StepRow> rows)
    {
        var entrants = rows.GetValueOrDefault(1).Customers;
        var steps = new List<FunnelStep>(StageGroups.MainPath.Count);
        for (var i = 0; i < StageGroups.MainPath.Count; i++)
        {
            var (customers, seconds, passedThrough, reachedAfterPassingPrevious) = rows.GetValueOrDefault(i + 1);
            var previous = i == 0 ? (long?)null : steps[i - 1].Customers;
            var passedPrevious = i == 0 ? (long?)null : steps[i - 1].PassedThrough;
            steps.Add(new FunnelStep(
                StageGroups.MainPath[i],
                customers,
                previous is { } p ? JourneyAnalytics.Percent(customers, p) : null,
                JourneyAnalytics.Percent(customers, entrants),
                seconds is [var median, var p75, var p90]
                    ? new DaysToConvert(JourneyAnalytics.Days(median)!.Value, JourneyAnalytics.Days(p75)!.Value, JourneyAnalytics.Days(p90)!.Value)
                    : null,
                passedThrough,
                passedPrevious is { } pp ? JourneyAnalytics.Percent(reachedAfterPassingPrevious, pp) : null));
        }

        return steps;
    }

    /// <summary>An ISO 8601 date (midnight UTC) or timestamp (UTC unless it carries an offset), as UTC.</summary>
    private static DateTimeOffset? Instant(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (value is not null && IsoDate().IsMatch(value)
            && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
        {
            if (JourneyAnalytics.IsQueryable(at))
            {
                return at;
            }

            errors[name] = [$"must be {JourneyAnalytics.QueryableRange}"];
            return null;
        }

        errors[name] = [value is null
            ? "is required: an ISO 8601 date or timestamp, e.g. 2026-01-01 or 2026-01-01T00:00:00Z"
            : "must be an ISO 8601 date or timestamp, e.g. 2026-01-01 or 2026-01-01T00:00:00Z (send + in an offset as %2B)"];
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}(T\S+)?$")]
    private static partial Regex IsoDate();
}
