using System.Globalization;

namespace CustomerLifecycle.WebConsole.Shell;

/// <summary>Numbers and dates as the reader's culture writes them (the console's language); "–" for nothing.</summary>
public static class Formats
{
    public const string Nothing = "–";

    public static string Count(long value) => value.ToString("N0", CultureInfo.CurrentCulture);

    public static string Count(long? value) => value is { } v ? Count(v) : Nothing;

    /// <summary>A percentage given as 0..100.</summary>
    public static string Percent(decimal? value) => value is { } v ? (v / 100m).ToString("P1", CultureInfo.CurrentCulture) : Nothing;

    /// <summary>A share given as 0..1.</summary>
    public static string Share(double? value) => value is { } v ? v.ToString("P1", CultureInfo.CurrentCulture) : Nothing;

    public static string Days(decimal? value) => value is { } v ? v.ToString("N1", CultureInfo.CurrentCulture) : Nothing;

    public static string Number(double? value, int decimals = 2) => value is { } v ? v.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.CurrentCulture) : Nothing;

    public static string Money(decimal? value, string currency) => value is { } v ? $"{v.ToString("N2", CultureInfo.CurrentCulture)} {currency}" : Nothing;

    public static string Money(double? value, string currency) => value is { } v ? $"{v.ToString("N2", CultureInfo.CurrentCulture)} {currency}" : Nothing;

    /// <summary>A day in the culture's short date pattern (UTC).</summary>
    public static string Date(DateTimeOffset? at) => at?.UtcDateTime.ToString("d", CultureInfo.CurrentCulture) ?? Nothing;

    public static string Date(DateOnly? day) => day?.ToString("d", CultureInfo.CurrentCulture) ?? Nothing;

    /// <summary>An instant in the culture's general pattern, in UTC, marked so.</summary>
    public static string Instant(DateTimeOffset? at) => at is { } a ? $"{a.UtcDateTime.ToString("G", CultureInfo.CurrentCulture)} UTC" : Nothing;

    /// <summary>A month (yyyy-MM as the store writes it) as the culture names it, e.g. "Nov 2026" or "2026年11月".</summary>
    public static string Month(string month) =>
        DateOnly.TryParseExact(month, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            ? day.ToString("Y", CultureInfo.CurrentCulture)
            : month;

    /// <summary>A date input's value as the API's ISO date.</summary>
    public static string? IsoDate(DateTime? day) => day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string? OrNull(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
