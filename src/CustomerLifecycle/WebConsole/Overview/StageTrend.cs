using CustomerLifecycle.Analytics.Revenue;
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

/// <summary>
/// What the overview shows, read at <paramref name="ReadAt"/>: the stage counts now and over the periods shown, the
/// transitions in and out of each stage on each day of those periods, and the net revenue of the calendar months they
/// touch (revenue is kept per month, so the months are the finest span it can be told for).
/// </summary>
public sealed record OverviewSnapshot(
    DateTimeOffset ReadAt, TrendPeriod Period, Headline Headline, IReadOnlyList<StageCount> Now, IReadOnlyList<StagePoint> Trend,
    StageFlows Flows, RevenueReport Revenue)
{
    public static async Task<OverviewSnapshot> ReadAsync(
        NpgsqlDataSource dataSource, DateTimeOffset now, TrendPeriod period, string? channel, string? cohort, CancellationToken ct)
    {
        var counts = await GetStageDistribution.CountAsync(dataSource, null, channel, cohort, ct);
        var trend = await StageTrend.ReadAsync(dataSource, now, period, channel, cohort, ct);
        var (from, to) = StageTrend.Days(now, period);
        var flows = await GetStageFlows.ReadAsync(dataSource, from, to, channel, cohort, ct);
        var revenue = await GetRevenue.ReadAsync(dataSource, now, StageTrend.MonthOf(from), StageTrend.MonthOf(to), channel, cohort, null, ct);
        return new OverviewSnapshot(now, period, Headline.From(counts),
            [.. Enum.GetValues<LifecycleStage>().Select(s => new StageCount(s, counts.GetValueOrDefault(s)))], trend, flows, revenue);
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
        var currentStart = PeriodStart(now, period);
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

        return PeriodStart(now, period);
    }

    /// <summary>The UTC start of the period that holds <paramref name="at"/>.</summary>
    public static DateTimeOffset PeriodStart(DateTimeOffset at, TrendPeriod period)
    {
        var day = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        return period switch
        {
            TrendPeriod.Day => day,
            TrendPeriod.Week => day.AddDays(-(((int)day.DayOfWeek + 6) % 7)),
            _ => new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero),
        };
    }

    /// <summary>The UTC days the chart's periods cover: from the first day of the oldest period shown to today.</summary>
    public static (DateOnly From, DateOnly To) Days(DateTimeOffset now, TrendPeriod period)
    {
        var oldest = PeriodShown(Instants(now, period)[0], now, period);
        return (DateOnly.FromDateTime(oldest.UtcDateTime), DateOnly.FromDateTime(now.UtcDateTime));
    }

    public static DateOnly MonthOf(DateOnly day) => new(day.Year, day.Month, 1);

    /// <summary>Entered and left per period of the chart (each day added to the period that holds it), oldest first, for one stage.</summary>
    public static IReadOnlyList<(DateTimeOffset Period, long Entered, long Left)> FlowsPerPeriod(
        StageFlows flows, LifecycleStage stage, DateTimeOffset now, TrendPeriod period)
    {
        ArgumentNullException.ThrowIfNull(flows);
        var sums = Instants(now, period).Select(at => PeriodShown(at, now, period)).ToDictionary(p => p, _ => (Entered: 0L, Left: 0L));
        foreach (var day in flows.Days.Where(d => d.Stage == stage))
        {
            var key = PeriodStart(new DateTimeOffset(day.Day, TimeOnly.MinValue, TimeSpan.Zero), period);
            if (sums.TryGetValue(key, out var sum))
            {
                sums[key] = (sum.Entered + day.Entered, sum.Left + day.Left);
            }
        }

        return [.. sums.OrderBy(s => s.Key).Select(s => (s.Key, s.Value.Entered, s.Value.Left))];
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
