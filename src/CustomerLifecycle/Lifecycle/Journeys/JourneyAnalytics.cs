using System.Globalization;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// How the cross-customer views (funnel, time in stage, cohort retention) read their parameters and present their
/// numbers, so the three say "day", "percent" and "month" the same way.
/// </summary>
public static class JourneyAnalytics
{
    public const string MonthFormat = "yyyy-MM";

    /// <summary>Seconds as days with one decimal, rounded half away from zero; null stays null.</summary>
    public static decimal? Days(double? seconds) => seconds is { } s ? OneDecimal((decimal)(s / 86_400)) : null;

    /// <summary>part / whole as a percentage with one decimal; null when whole is zero.</summary>
    public static decimal? Percent(long part, long whole) => whole == 0 ? null : OneDecimal(100m * part / whole);

    // Adding 0.0m gives every value exactly one decimal place, so the JSON reads 20.0 rather than 20.
    private static decimal OneDecimal(decimal value) => Math.Round(value, 1, MidpointRounding.AwayFromZero) + 0.0m;

    /// <summary>
    /// The span of business time a query may name: nothing is recorded before 1970, and a bound far below the calendar's
    /// end keeps every "from + n months/years" a query computes representable.
    /// </summary>
    public static readonly DateTimeOffset EarliestQueryable = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset LatestQueryable = new(3000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const string QueryableRange = "between 1970-01-01 and 3000-01-01";

    public static bool IsQueryable(DateTimeOffset at) => at >= EarliestQueryable && at <= LatestQueryable;

    /// <summary>A month written exactly as yyyy-MM (the form the journeys store), as its first day, within the queryable range.</summary>
    public static bool TryParseMonth(string? value, out DateOnly month) =>
        DateOnly.TryParseExact(value, MonthFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out month)
        && IsQueryable(new DateTimeOffset(month, TimeOnly.MinValue, TimeSpan.Zero)) && month.Year < LatestQueryable.Year;

    public static string FormatMonth(DateOnly month) => month.ToString(MonthFormat, CultureInfo.InvariantCulture);

    /// <summary>Whole months from <paramref name="from"/> to <paramref name="to"/> (both first days of a month).</summary>
    public static int MonthsBetween(DateOnly from, DateOnly to) => ((to.Year - from.Year) * 12) + to.Month - from.Month;
}
