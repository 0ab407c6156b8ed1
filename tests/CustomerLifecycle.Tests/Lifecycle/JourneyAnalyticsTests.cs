using CustomerLifecycle.Lifecycle.Journeys;

namespace CustomerLifecycle.Tests.Lifecycle;

public class JourneyAnalyticsTests
{
    [Theory]
    [InlineData(0d, "0.0")]
    [InlineData(86_400d * 20, "20.0")]
    [InlineData(86_400d * 0.75, "0.8")] // half away from zero
    [InlineData(86_400d * 3.6, "3.6")]
    [InlineData(129_599d, "1.5")]
    public void Durations_are_days_with_exactly_one_decimal(double seconds, string days) =>
        Assert.Equal(days, JourneyAnalytics.Days(seconds)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Percentages_have_one_decimal_and_none_of_nothing()
    {
        Assert.Equal("66.7", JourneyAnalytics.Percent(2, 3)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("100.0", JourneyAnalytics.Percent(4, 4)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(JourneyAnalytics.Percent(0, 0));
        Assert.Null(JourneyAnalytics.Days(null));
    }

    [Theory]
    [InlineData("2026-03", true)]
    [InlineData("2026-3", false)]
    [InlineData("2026-13", false)]
    [InlineData("2026-03-01", false)]
    [InlineData("March", false)]
    [InlineData(null, false)]
    public void Months_are_written_exactly_yyyy_MM(string? value, bool valid) =>
        Assert.Equal(valid, JourneyAnalytics.TryParseMonth(value, out _));

    [Fact]
    public void Months_between_counts_calendar_months_across_years() =>
        Assert.Equal(14, JourneyAnalytics.MonthsBetween(new DateOnly(2024, 11, 1), new DateOnly(2026, 1, 1)));
}
