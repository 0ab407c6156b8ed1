using System.Globalization;
using System.Text;
using CustomerLifecycle.Lifecycle.Funnels;
using CustomerLifecycle.WebConsole.Cohorts;
using CustomerLifecycle.WebConsole.Operations;
using CustomerLifecycle.WebConsole.Overview;
using CustomerLifecycle.WebConsole.Shell;
using CustomerLifecycle.WebConsole.ValueAndRisk;
using Microsoft.AspNetCore.Http;

namespace CustomerLifecycle.Tests.Console;

/// <summary>The pure parts of the funnel, cohort, value and operations pages, and formatting per language.</summary>
public class ConsolePageModelTests
{
    [Theory]
    [InlineData(null, 0)]
    [InlineData(0.0, 0)]
    [InlineData(0.1, 10)]
    [InlineData(25.0, 30)]
    [InlineData(50.0, 50)]
    [InlineData(100.0, 100)]
    [InlineData(150.0, 100)]
    public void A_heat_cell_is_tinted_in_tenths_of_the_largest_value(double? value, int percent) =>
        Assert.Equal(percent, HeatShade.Of(value, 100).Percent);

    [Fact]
    public void A_heat_cell_from_seven_tenths_up_takes_light_text()
    {
        Assert.Equal("light", HeatShade.Of(60, 100).TextClass);
        Assert.Equal("dark", HeatShade.Of(61, 100).TextClass);
        Assert.Equal("", HeatShade.Of(0, 100).Style);
        Assert.Contains("30%", HeatShade.Of(25, 100).Style, StringComparison.Ordinal);
    }

    [Fact]
    public void The_clv_distribution_splits_zero_to_the_99th_percentile_evenly_and_keeps_the_top_apart()
    {
        var buckets = ClvDistribution.Of(200, new Dictionary<int, long> { [0] = 1, [1] = 4, [20] = 3, [21] = 2 });

        Assert.Equal(ClvDistribution.Buckets + 1, buckets.Count);
        Assert.Equal(new ClvBucket(0, 10, 5), buckets[0]);
        Assert.Equal(new ClvBucket(190, 200, 3), buckets[19]);
        Assert.Equal(new ClvBucket(200, null, 2), buckets[^1]);
        Assert.Equal(10, buckets.Sum(b => b.Customers));
        Assert.Empty(ClvDistribution.Of(0, new Dictionary<int, long>()));
    }

    [Fact]
    public void A_hex_dump_shows_offsets_sixteen_bytes_a_line_and_printable_ascii()
    {
        var dump = HexDump.Of(Encoding.UTF8.GetBytes("{\"amount\":-5}\n\u00e9xyz"));

        var lines = dump.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("00000000  7b 22 61 6d 6f 75 6e 74  22 3a 2d 35 7d 0a c3 a9  {\"amount\":-5}...", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("00000010  78 79 7a", lines[1], StringComparison.Ordinal);
        Assert.EndsWith("xyz", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void An_endpoint_answer_is_its_value_or_its_field_errors()
    {
        var funnel = new Funnel(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddDays(1), null, null, null, []);

        Assert.Same(funnel, EndpointAnswer.Of<Funnel>(Results.Ok(funnel)).Value);
        var invalid = EndpointAnswer.Of<Funnel>(Results.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["must be after from"] }));
        Assert.Null(invalid.Value);
        Assert.Equal("to must be after from", invalid.ProblemText);
        Assert.Equal("Unknown: nobody", EndpointAnswer.Of<Funnel>(Results.Problem(statusCode: 404, title: "Unknown", detail: "nobody")).ProblemText);
    }

    [Fact]
    public void Numbers_dates_and_months_are_written_as_each_language_writes_them()
    {
        var before = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("en");
            Assert.Equal("1,234,567", Formats.Count(1_234_567));
            Assert.Equal("12.5%", Formats.Percent(12.5m));
            Assert.Equal("November 2026", Formats.Month("2026-11"));
            Assert.Equal("11/4/2026", Formats.Date(new DateOnly(2026, 11, 4)));

            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("zh-Hans");
            Assert.Equal("1,234,567", Formats.Count(1_234_567));
            Assert.Equal("2026年11月", Formats.Month("2026-11"));
            Assert.Equal("2026/11/4", Formats.Date(new DateOnly(2026, 11, 4)));
            Assert.Equal("–", Formats.Percent(null));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = before;
        }
    }

    [Theory]
    [InlineData(TrendPeriod.Day, "2026-11-05", "2026-12-04")]
    [InlineData(TrendPeriod.Week, "2026-09-07", "2026-11-30")]
    [InlineData(TrendPeriod.Month, "2026-01-01", "2026-12-01")]
    public void Each_trend_point_is_labelled_by_its_own_period(TrendPeriod period, string first, string last)
    {
        var now = new DateTimeOffset(2026, 12, 4, 15, 30, 0, TimeSpan.Zero);

        var shown = StageTrend.Instants(now, period).Select(at => StageTrend.PeriodShown(at, now, period)).ToList();

        Assert.Equal(shown.Count, shown.Distinct().Count());
        Assert.Equal(DateTimeOffset.Parse(first + "T00:00:00Z", CultureInfo.InvariantCulture), shown[0]);
        Assert.Equal(DateTimeOffset.Parse(last + "T00:00:00Z", CultureInfo.InvariantCulture), shown[^1]);
    }
}
