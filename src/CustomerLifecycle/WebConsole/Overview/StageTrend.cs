using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Stages;
using Npgsql;

namespace CustomerLifecycle.WebConsole.Overview;

public enum TrendPeriod
{
    Day,
    Week,
    Month,
}

/// <summary>Customers in one stage at the end of one period.</summary>
public sealed record StagePoint(DateTimeOffset At, string Stage, long Customers);

/// <summary>What the overview shows, read at <paramref name="ReadAt"/>.</summary>
public sealed record OverviewSnapshot(DateTimeOffset ReadAt, TrendPeriod Period, Headline Headline, IReadOnlyList<StageCount> Now, IReadOnlyList<StagePoint> Trend)
{
    public static async Task<OverviewSnapshot> ReadAsync(
        NpgsqlDataSource dataSource, DateTimeOffset now, TrendPeriod period, string? channel, string? cohort, CancellationToken ct)
    {
        var counts = await GetStageDistribution.CountAsync(dataSource, null, channel, cohort, ct);
        var trend = await StageTrend.ReadAsync(dataSource, now, period, channel, cohort, ct);
        return new OverviewSnapshot(now, period, Headline.From(counts),
            [.. Enum.GetValues<LifecycleStage>().Select(s => new StageCount(s, counts.GetValueOrDefault(s)))], trend);
    }
}

/// <summary>The headline numbers of the overview, read from the stage counts now.</summary>
public sealed record Headline(long Customers, long Active, long AtRisk, long Churned, long WonBack)
{
    public static Headline From(IReadOnlyDictionary<LifecycleStage, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        long In(LifecycleStage stage) => counts.GetValueOrDefault(stage);
        var active = Enum.GetValues<LifecycleStage>().Where(s => ((LifecycleStage?)s).IsInGoodStanding()).Sum(In);
        return new Headline(counts.Values.Sum(), active, In(LifecycleStage.AtRisk), In(LifecycleStage.Churned), In(LifecycleStage.WonBack));
    }
}

/// <summary>
/// Stage counts over time for the overview's stacked area: the count at the end of each of the last periods, each read
/// with the same query as <c>GET /api/lifecycle/stages?asOf=</c>, so the chart and the API cannot disagree.
/// </summary>
public static class StageTrend
{
    public static int PeriodsShown(TrendPeriod period) => period switch
    {
        TrendPeriod.Day => 30,
        TrendPeriod.Week => 13,
        _ => 12,
    };

    /// <summary>
    /// The instants to count at, oldest first: the UTC starts of the periods that follow each of the last closed
    /// periods, then <paramref name="now"/> itself for the period still running. Weeks start on Monday.
    /// </summary>
    public static IReadOnlyList<DateTimeOffset> Instants(DateTimeOffset now, TrendPeriod period)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var currentStart = period switch
        {
            TrendPeriod.Day => today,
            TrendPeriod.Week => today.AddDays(-(((int)today.DayOfWeek + 6) % 7)),
            _ => new DateTimeOffset(today.Year, today.Month, 1, 0, 0, 0, TimeSpan.Zero),
        };
        var count = PeriodsShown(period);
        var instants = new List<DateTimeOffset>(count);
        for (var back = count - 1; back >= 1; back--)
        {
            instants.Add(Step(currentStart, period, -(back - 1)));
        }

        instants.Add(now);
        return instants;
    }

    /// <summary>
    /// The period a point describes, by its first day: a point at the start of a period counts the end of the period
    /// before it; the last point (<paramref name="now"/>) counts the period still running. So every point has its own label.
    /// </summary>
    public static DateTimeOffset PeriodShown(DateTimeOffset at, DateTimeOffset now, TrendPeriod period)
    {
        if (at != now)
        {
            return Step(at, period, -1);
        }

        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return period switch
        {
            TrendPeriod.Day => today,
            TrendPeriod.Week => today.AddDays(-(((int)today.DayOfWeek + 6) % 7)),
            _ => new DateTimeOffset(today.Year, today.Month, 1, 0, 0, 0, TimeSpan.Zero),
        };
    }

    public static async Task<IReadOnlyList<StagePoint>> ReadAsync(
        NpgsqlDataSource dataSource, DateTimeOffset now, TrendPeriod period, string? channel, string? cohort, CancellationToken ct)
    {
        var points = new List<StagePoint>();
        foreach (var at in Instants(now, period))
        {
            // The last point is "now", counted exactly as the headline and the table are (asOf null).
            var counts = await GetStageDistribution.CountAsync(dataSource, at == now ? null : at, channel, cohort, ct);
            points.AddRange(Enum.GetValues<LifecycleStage>().Select(s => new StagePoint(at, s.ToString(), counts.GetValueOrDefault(s))));
        }

        return points;
    }

    private static DateTimeOffset Step(DateTimeOffset start, TrendPeriod period, int periods) => period switch
    {
        TrendPeriod.Day => start.AddDays(periods),
        TrendPeriod.Week => start.AddDays(7 * periods),
        _ => start.AddMonths(periods),
    };
}
