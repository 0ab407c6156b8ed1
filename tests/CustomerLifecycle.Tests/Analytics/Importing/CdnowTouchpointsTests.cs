using System.Text.Json;
using CustomerLifecycle.Analytics.Importing;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Ingestion.Recording;

namespace CustomerLifecycle.Tests.Analytics.Importing;

public class CdnowTouchpointsTests
{
    private static readonly CdnowTransaction Line = new("00004", "0001", new DateOnly(1997, 1, 18), 2, 29.73);
    private static readonly ImportOptions Options = new("cdnow", "USD", "run7-");

    [Fact]
    public void A_line_becomes_a_purchase_touchpoint_that_the_ingestion_parser_accepts()
    {
        using var json = JsonDocument.Parse(CdnowTouchpoints.ToJson(Line, 2, Options));
        var receivedAt = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

        var (touchpoint, rejection) = new TouchpointParser(new IngestionLimits()).Parse(json.RootElement, receivedAt);

        Assert.Null(rejection);
        Assert.Equal("cdnow:run7-00004:19970118:2", touchpoint!.EventId);
        var purchase = Assert.IsType<PurchaseCompleted>(touchpoint.Event);
        Assert.Equal(
            new PurchaseCompleted("run7-00004", new DateTimeOffset(1997, 1, 18, 0, 0, 0, TimeSpan.Zero), "cdnow", "19970118-2", 29.73m, "USD", purchase.Items),
            purchase);
        Assert.Equal(2, Assert.Single(purchase.Items!).Quantity);
    }

    [Fact]
    public void The_event_id_depends_on_the_purchase_not_on_the_file_so_sample_and_master_lines_coincide()
    {
        var fromSample = CdnowTouchpoints.ToJson(Line, 1, Options);
        var fromMaster = CdnowTouchpoints.ToJson(Line with { SampleId = null }, 1, Options);

        Assert.Equal(fromSample, fromMaster);
    }

    [Fact]
    public void Import_parameters_are_checked_before_any_line_is_read()
    {
        Assert.Empty(ImportOptions.Validate("cdnow", "USD", null));
        Assert.Equal(["currency", "customerPrefix", "source"], ImportOptions.Validate(null, "usd", "$system").Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["customerPrefix"], ImportOptions.Validate("cdnow", "USD", new string('x', 65)).Keys);
    }

    [Fact]
    public void Reading_lines_reports_malformed_ones_with_their_number_and_keeps_going()
    {
        using var reader = new StringReader(" customer_id date cds dollars\n 00001 19970101 1 11.77\n\n 00002 1997-01-12 5 77.00\n 00003 19970102 2 20.76\n");

        var lines = CdnowTransactionLog.ReadLines(reader).ToList();

        Assert.Equal([2, 4, 5], lines.Select(l => l.LineNumber));
        Assert.Equal("date '1997-01-12' is not yyyymmdd", lines[1].Problem);
        Assert.Null(lines[1].Transaction);
        Assert.Equal(" 00002 1997-01-12 5 77.00", lines[1].Text);
        Assert.Equal("00003", lines[2].Transaction!.CustomerId);
    }
}
