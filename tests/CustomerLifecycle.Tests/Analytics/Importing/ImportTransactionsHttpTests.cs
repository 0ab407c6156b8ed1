using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Analytics.Importing;

[Collection(AppFixtureGroup.Name)]
public class ImportTransactionsHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);
    private readonly HttpClient all = app.ClientWithKey(TestKeys.All);

    private const string Log = """
         customer_id  date number_of_cds  dollar_value
         00001 19970101  1   11.77
         00002 19970112  1   12.00
         00002 19970112  5   77.00

         00003 1997-01-02  2   20.76
         00003 19970102  2   20.76
        """;

    private static string Prefix() => $"imp{Guid.NewGuid():N}-";

    private static async Task<JsonObject> Body(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    [Fact]
    public async Task Every_good_line_is_recorded_a_bad_line_is_named_and_quarantined_and_a_reimport_is_all_duplicates()
    {
        var prefix = Prefix();

        var first = await ClvFitting.ImportAsync(ingest, Log, $"source=cdnow&currency=USD&customerPrefix={prefix}");
        var again = await ClvFitting.ImportAsync(ingest, Log, $"source=cdnow&currency=USD&customerPrefix={prefix}");

        Assert.Equal(HttpStatusCode.MultiStatus, first.StatusCode);
        var report = await Body(first);
        Assert.Equal((5, 4, 0, 1), ((int)report["lines"]!, (int)report["accepted"]!, (int)report["duplicates"]!, (int)report["rejected"]!));
        var rejection = report["rejections"]!.AsArray().Single()!;
        Assert.Equal((6, "validation"), ((int)rejection["line"]!, (string)rejection["reason"]!));
        Assert.Equal("date '1997-01-02' is not yyyymmdd", (string)rejection["errors"]!["line"]![0]!);
        var repeat = await Body(again);
        Assert.Equal((0, 4, 1), ((int)repeat["accepted"]!, (int)repeat["duplicates"]!, (int)repeat["rejected"]!));

        var quarantined = (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?limit=500"))!["items"]!.AsArray()
            .Single(r => (long)r!["id"]! == (long)rejection["rejectionId"]!)!;
        Assert.Equal(("/api/imports/transactions", 6, " 00003 1997-01-02  2   20.76"), ((string)quarantined["endpoint"]!, (int)quarantined["itemIndex"]!, (string)quarantined["payload"]!));

        var events = (await all.GetFromJsonAsync<JsonObject>($"/api/customers/{prefix}00002/events"))!["events"]!.AsArray();
        Assert.Equal(["cdnow:" + prefix + "00002:19970112:1", "cdnow:" + prefix + "00002:19970112:2"], events.Select(e => (string)e!["eventId"]!));
        var second = events[1]!;
        Assert.Equal(("purchase_completed", "1997-01-12T00:00:00+00:00", 77.00m, "USD", 5), (
            (string)second["type"]!, ((DateTimeOffset)second["occurredAt"]!).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture),
            (decimal)second["data"]!["amount"]!, (string)second["data"]!["currency"]!, (int)second["data"]!["items"]![0]!["quantity"]!));
    }

    [Fact]
    public async Task A_line_imported_again_with_other_content_is_a_conflict()
    {
        var prefix = Prefix();
        await ClvFitting.ImportAsync(ingest, " 00007 19970101 1 11.77\n", $"source=cdnow&currency=USD&customerPrefix={prefix}");

        var response = await ClvFitting.ImportAsync(ingest, " 00007 19970101 1 11.77\n", $"source=cdnow&currency=EUR&customerPrefix={prefix}");

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var rejection = (await Body(response))["rejections"]!.AsArray().Single()!;
        Assert.Equal((1, "conflict"), ((int)rejection["line"]!, (string)rejection["reason"]!));
    }

    [Fact]
    public async Task Missing_or_malformed_parameters_are_400_by_name()
    {
        var response = await ClvFitting.ImportAsync(ingest, Log, "currency=usd&customerPrefix=has%20space");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["currency", "customerPrefix", "source"], (await Body(response))["errors"]!.AsObject().Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_empty_log_is_400()
    {
        var response = await ClvFitting.ImportAsync(ingest, "  \n\n", "source=cdnow&currency=USD");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Anything_but_text_plain_is_415()
    {
        using var content = new StringContent(Log, Encoding.UTF8, "application/json");

        var response = await ingest.PostAsync("/api/imports/transactions?source=cdnow&currency=USD", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task A_log_over_the_configured_size_is_413_and_nothing_is_read()
    {
        var response = await ClvFitting.ImportAsync(ingest, new string(' ', (16 * 1024 * 1024) + 1), "source=cdnow&currency=USD");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Importing_needs_the_ingest_scope()
    {
        var response = await ClvFitting.ImportAsync(app.ClientWithKey(TestKeys.Read), Log, "source=cdnow&currency=USD");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
