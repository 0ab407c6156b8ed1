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

    private static readonly HashSet<string> Groupings = new(StringComparer.Ordinal) { "channel", "cohort" };

    private const string Schema = StoreSetup.Schema;

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

        if (by is not null && !Groupings.Contains(by))
        {
            errors["by"] = [$"must be one of {string.Join(", ", Groupings)}"];
        }

        DateOnly cohortMonth = default;
        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out cohortMonth))
        {
            errors["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        // A cohort (first-seen month) narrows the window to its month.
        var (windowStart, windowEnd) = (start!.Value, end!.Value);
        if (cohort is not null)
        {
            var monthStart = new DateTimeOffset(cohortMonth.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            windowStart = windowStart > monthStart ? windowStart : monthStart;
            windowEnd = windowEnd < monthStart.AddMonths(1) ? windowEnd : monthStart.AddMonths(1);
        }

        var rows = windowStart < windowEnd ? await ReadAsync(dataSource, windowStart, windowEnd, by, channel, ct) : [];
        var groups = Group(rows, by);
        if (by is null && groups.Count == 0)
        {
            groups.Add((null, []));
        }

        return TypedResults.Ok(new Funnel(
            start.Value, end.Value, by, channel, cohort,
            [.. groups.Select(g => new FunnelGroup(by == "channel" ? g.Key : null, by == "cohort" ? g.Key : null, Steps(g.Steps)))]));
    }

    /// <summary>A row of funnel counts: the group it falls in (breakdown 1 carries a channel), a step, a slot (<see cref="PopulationCounts.StepCountSlot"/> or a duration bucket) and its sums.</summary>
    private readonly record struct CountRow(short Breakdown, string? Channel, string Month, int Step, int Slot, long Customers, long Passed, long AfterPassingPrevious, decimal Micros);

    /// <summary>
    /// The window's counts: whole UTC days from the kept counts (<see cref="PopulationCounts.Funnel"/>), and the
    /// entrants of a window edge that cuts a day counted from their spells by the same expression, in one statement.
    /// Summed per breakdown, channel, first-seen month, step and slot.
    /// </summary>
    private static async Task<List<CountRow>> ReadAsync(
        NpgsqlDataSource dataSource, DateTimeOffset from, DateTimeOffset to, string? by, string? channel, CancellationToken ct)
    {
        var firstWholeDay = from.UtcDateTime.TimeOfDay == TimeSpan.Zero ? DateOnly.FromDateTime(from.UtcDateTime) : DateOnly.FromDateTime(from.UtcDateTime).AddDays(1);
        var endOfWholeDays = DateOnly.FromDateTime(to.UtcDateTime);
        static DateTimeOffset Midnight(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        (DateTimeOffset From, DateTimeOffset To) head, tail;
        if (firstWholeDay >= endOfWholeDays)
        {
            // No whole day inside: the window is one edge.
            (head, tail) = ((from, to), (to, to));
            endOfWholeDays = firstWholeDay;
        }
        else
        {
            (head, tail) = ((from, Midnight(firstWholeDay)), (Midnight(endOfWholeDays), to));
        }

        // Breakdown 0 counts everyone, 1 the customers with a channel; split by channel, those without one are their difference.
        short[] breakdowns = channel is not null ? [1] : by == "channel" ? [0, 1] : [0];
        var spells = $"{Schema}.{JourneyTables.Spells}";
        await using var command = dataSource.CreateCommand(
            $"""
             with signed as (
               select 1 as sign, s.customer_id, s.ordinal, s.stage, s.entered_at, s.left_at, s.channel, s.cohort, s.first_seen_month
               from {spells} s
               where s.customer_id in (
                 select e.customer_id from {spells} e
                 where e.ordinal = 1 and ((e.entered_at >= $1 and e.entered_at < $2) or (e.entered_at >= $3 and e.entered_at < $4)))
             ),
             {PopulationCounts.FunnelTally("signed")},
             edges as ({PopulationCounts.FunnelSelect()}),
             counted as (
               select breakdown, channel, day, step, slot, customers, passed, after_passing_previous, micros
               from {Schema}.{PopulationCounts.Funnel} where day >= $5 and day < $6
               union all
               select breakdown, channel, day, step, slot, customers, passed, after_passing_previous, micros from edges
             )
             select breakdown, channel, to_char(day, 'YYYY-MM'), step, slot,
                    sum(customers)::bigint, sum(passed)::bigint, sum(after_passing_previous)::bigint, sum(micros)
             from counted
             where breakdown = any($7) and ($8::varchar is null or channel = $8)
             group by 1, 2, 3, 4, 5
             """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = head.From });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = head.To });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = tail.From });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = tail.To });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = firstWholeDay });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = endOfWholeDays });
        command.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = breakdowns });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = channel });

        var rows = new List<CountRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var breakdown = reader.GetInt16(0);
            rows.Add(new CountRow(
                breakdown, breakdown == 1 ? reader.GetString(1) : null, reader.GetString(2), reader.GetInt16(3), reader.GetInt32(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetDecimal(8)));
        }

        return rows;
    }

    /// <summary>One step's sums in one group, and its durations from the previous step per bucket.</summary>
    private sealed class StepSums
    {
        public long Customers { get; private set; }

        public long PassedThrough { get; private set; }

        public long ReachedAfterPassingPrevious { get; private set; }

        private SortedDictionary<int, (long Customers, decimal Micros)> Buckets { get; } = [];

        public void Add(CountRow row, int sign)
        {
            if (row.Slot == PopulationCounts.StepCountSlot)
            {
                Customers += sign * row.Customers;
                PassedThrough += sign * row.Passed;
                ReachedAfterPassingPrevious += sign * row.AfterPassingPrevious;
                return;
            }

            var (customers, micros) = Buckets.GetValueOrDefault(row.Slot);
            Buckets[row.Slot] = (customers + (sign * row.Customers), micros + (sign * row.Micros));
        }

        /// <summary>Each bucket's customers at the bucket's mean length in seconds (exact when its lengths are equal), ascending.</summary>
        public List<(double Value, long Count)> Durations() =>
            [.. Buckets.Values.Where(b => b.Customers > 0).Select(b => ((double)(b.Micros / b.Customers) / 1e6, b.Customers)).OrderBy(v => v.Item1)];
    }

    /// <summary>The rows summed per group, in the order the answer lists groups (by key, the group without one last).</summary>
    private static List<(string? Key, Dictionary<int, StepSums> Steps)> Group(List<CountRow> rows, string? by)
    {
        var groups = new Dictionary<string, Dictionary<int, StepSums>>(StringComparer.Ordinal);
        Dictionary<int, StepSums>? withoutKey = null;
        void Add(string? key, CountRow row, int sign)
        {
            Dictionary<int, StepSums>? steps;
            if (key is null)
            {
                steps = withoutKey ??= [];
            }
            else if (!groups.TryGetValue(key, out steps))
            {
                steps = groups[key] = [];
            }

            if (!steps.TryGetValue(row.Step, out var sums))
            {
                sums = steps[row.Step] = new StepSums();
            }

            sums.Add(row, sign);
        }

        // Everyone (breakdown 0, read when no channel is asked for) less the customers with a channel leaves those without one.
        var everyone = rows.Any(r => r.Breakdown == 0);
        foreach (var row in rows)
        {
            switch (by)
            {
                case "channel" when row.Breakdown == 1:
                    Add(row.Channel, row, 1);
                    if (everyone)
                    {
                        Add(null, row, -1);
                    }

                    break;
                case "cohort":
                    Add(row.Month, row, 1);
                    break;
                default:
                    Add(null, row, 1);
                    break;
            }
        }

        var ordered = groups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => ((string?)g.Key, g.Value)).ToList();
        if (withoutKey is not null && (by is null || withoutKey.Values.Any(s => s.Customers != 0)))
        {
            ordered.Add((null, withoutKey));
        }

        return ordered;
    }

    private static readonly double[] Fractions = [0.5, 0.75, 0.9];

    private static List<FunnelStep> Steps(Dictionary<int, StepSums> rows)
    {
        var entrants = rows.GetValueOrDefault(1)?.Customers ?? 0;
        var steps = new List<FunnelStep>(StageGroups.MainPath.Count);
        for (var i = 0; i < StageGroups.MainPath.Count; i++)
        {
            var sums = rows.GetValueOrDefault(i + 1) ?? new StepSums();
            var durations = sums.Durations();
            var previous = i == 0 ? (long?)null : steps[i - 1].Customers;
            var passedPrevious = i == 0 ? (long?)null : steps[i - 1].PassedThrough;
            steps.Add(new FunnelStep(
                StageGroups.MainPath[i],
                sums.Customers,
                previous is { } p ? JourneyAnalytics.Percent(sums.Customers, p) : null,
                JourneyAnalytics.Percent(sums.Customers, entrants),
                durations.Count == 0 ? null : Days([.. Fractions.Select(f => PopulationCounts.Percentile(durations, f)!.Value)]),
                sums.PassedThrough,
                passedPrevious is { } pp ? JourneyAnalytics.Percent(sums.ReachedAfterPassingPrevious, pp) : null));
        }

        return steps;
    }

    private static DaysToConvert Days(double[] seconds) =>
        new(JourneyAnalytics.Days(seconds[0])!.Value, JourneyAnalytics.Days(seconds[1])!.Value, JourneyAnalytics.Days(seconds[2])!.Value);

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
