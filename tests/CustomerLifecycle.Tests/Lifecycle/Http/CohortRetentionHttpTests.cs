using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

[Collection(AppFixtureGroup.Name)]
public class CohortRetentionHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);

    private static JsonObject Click(string customer, string channel, string at) =>
        Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: at);

    private static JsonObject Purchase(string customer, decimal amount, string currency, string at) =>
        Json.Touchpoint("purchase_completed", customer, new JsonObject { ["orderId"] = Json.NewId("o"), ["amount"] = amount, ["currency"] = currency }, occurredAt: at);

    private static JsonObject Refund(string customer, decimal amount, string currency, string at) =>
        Json.Touchpoint("refund_issued", customer, new JsonObject { ["orderId"] = Json.NewId("o"), ["amount"] = amount, ["currency"] = currency }, occurredAt: at);

    /// <summary>A cohort as "cohort size: offset month active retention% revenue | …", revenue as "EUR 130.00+USD 5.00".</summary>
    private static string Cohort(JsonNode? cohort)
    {
        static string N(JsonNode? n, string format) => n is null ? "-" : ((decimal)n).ToString(format, CultureInfo.InvariantCulture);
        var months = cohort!["months"]!.AsArray().Select(m =>
            $"{(int)m!["offset"]!} {(string)m["month"]!} {(long)m["activeCustomers"]!} {N(m["retentionPercent"], "0.0")} " +
            string.Join('+', m["revenue"]!.AsArray().Select(r => $"{(string)r!["currency"]!} {N(r["amount"], "0.00")}")));
        return $"{(string)cohort["cohort"]!} {(long)cohort["customers"]!}: {string.Join(" | ", months)}";
    }

    [Fact]
    public async Task The_month_still_under_way_is_marked_partial_and_complete_months_are_not()
    {
        var channel = Json.NewId("ch");
        var now = DateTimeOffset.UtcNow;
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var buyer = Json.NewId("c");
        var response = await ingest.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Click(buyer, channel, thisMonth.AddMonths(-2).ToString("O", CultureInfo.InvariantCulture)),
            Purchase(buyer, 10m, "EUR", thisMonth.AddMonths(-2).AddDays(1).ToString("O", CultureInfo.InvariantCulture)),
            Purchase(buyer, 10m, "EUR", thisMonth.AddHours(1).ToString("O", CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();
        var from = thisMonth.AddMonths(-2).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var to = thisMonth.ToString("yyyy-MM", CultureInfo.InvariantCulture);

        var report = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/cohorts/retention?from={from}&to={to}&channel={channel}"))!;

        var cohorts = report["cohorts"]!.AsArray();
        Assert.Equal([false, false, true], cohorts.Select(c => (bool)c!["partial"]!));
        Assert.Equal([false, false, true], cohorts[0]!["months"]!.AsArray().Select(m => (bool)m!["partial"]!));
        Assert.Equal(to, (string)cohorts[0]!["months"]![2]!["month"]!);
    }

    [Fact]
    public async Task Retention_counts_each_cohorts_buyers_per_later_month_and_nets_refunds_per_currency()
    {
        var channel = Json.NewId("ch");
        string u1 = Json.NewId("c"), u2 = Json.NewId("c"), browser = Json.NewId("c"), u4 = Json.NewId("c");
        var response = await ingest.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Click(u1, channel, "2023-12-20T10:00:00Z"),
            Purchase(u1, 100m, "EUR", "2024-01-10T10:00:00Z"),
            Purchase(u1, 50m, "EUR", "2024-02-05T10:00:00Z"),
            Refund(u1, 20m, "EUR", "2024-03-03T10:00:00Z"), // a refund alone does not make March a buying month
            Purchase(u1, 10m, "USD", "2024-04-01T00:00:00Z"),
            Click(u2, channel, "2024-01-02T10:00:00Z"),
            Purchase(u2, 30m, "EUR", "2024-01-15T10:00:00Z"),
            Purchase(u2, 5m, "USD", "2024-01-20T10:00:00Z"), // two currencies, one active customer
            Purchase(u2, 40m, "EUR", "2024-03-10T10:00:00Z"),
            Click(browser, channel, "2024-01-03T10:00:00Z"), // never buys: in no cohort
            Click(u4, channel, "2024-02-01T10:00:00Z"),
            Purchase(u4, 25m, "EUR", "2024-02-29T23:30:00Z")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();

        var all = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/cohorts/retention?from=2024-01&to=2024-03&maxOffset=3&channel={channel}"))!;
        var usd = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/cohorts/retention?from=2024-01&to=2024-02&maxOffset=3&currency=usd&channel={channel}"))!;

        Assert.Equal(
            [
                "2024-01 2: 0 2024-01 2 100.0 EUR 130.00+USD 5.00 | 1 2024-02 1 50.0 EUR 50.00 | 2 2024-03 1 50.0 EUR 20.00 | 3 2024-04 1 50.0 USD 10.00",
                "2024-02 1: 0 2024-02 1 100.0 EUR 25.00 | 1 2024-03 0 0.0  | 2 2024-04 0 0.0  | 3 2024-05 0 0.0 ",
                "2024-03 0: 0 2024-03 0 -  | 1 2024-04 0 -  | 2 2024-05 0 -  | 3 2024-06 0 - ",
            ],
            all["cohorts"]!.AsArray().Select(Cohort));
        Assert.Equal(("2024-01", "2024-03", 3), ((string)all["from"]!, (string)all["to"]!, (int)all["maxOffset"]!));
        Assert.Equal(
            [
                "2024-01 2: 0 2024-01 2 100.0 USD 5.00 | 1 2024-02 1 50.0 USD 0.00 | 2 2024-03 1 50.0 USD 0.00 | 3 2024-04 1 50.0 USD 10.00",
                "2024-02 1: 0 2024-02 1 100.0 USD 0.00 | 1 2024-03 0 0.0 USD 0.00 | 2 2024-04 0 0.0 USD 0.00 | 3 2024-05 0 0.0 USD 0.00",
            ],
            usd["cohorts"]!.AsArray().Select(Cohort));
        Assert.Equal("USD", (string)usd["currency"]!);
    }

    [Fact]
    public async Task A_cohort_is_followed_no_further_than_the_current_month()
    {
        var channel = Json.NewId("ch");
        var customer = Json.NewId("c");
        var now = DateTimeOffset.UtcNow;
        var thisMonth = now.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var response = await ingest.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Click(customer, channel, now.AddMinutes(-2).ToString("O", CultureInfo.InvariantCulture)),
            Purchase(customer, 12.5m, "EUR", now.AddMinutes(-1).ToString("O", CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();

        var report = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/cohorts/retention?from={thisMonth}&to={thisMonth}&channel={channel}"))!;

        Assert.Equal([$"{thisMonth} 1: 0 {thisMonth} 1 100.0 EUR 12.50"], report["cohorts"]!.AsArray().Select(Cohort));
        Assert.Equal(12, (int)report["maxOffset"]!);
    }

    [Theory]
    [InlineData("to=2024-03", "from")]
    [InlineData("from=2024-1&to=2024-03", "from")]
    [InlineData("from=2024-01", "to")]
    [InlineData("from=2024-03&to=2024-01", "to")]
    [InlineData("from=2021-01&to=2024-01", "to")]
    [InlineData("from=2024-01&to=2024-03&maxOffset=61", "maxOffset")]
    [InlineData("from=2024-01&to=2024-03&currency=EURO", "currency")]
    public async Task Bad_retention_queries_are_400_naming_the_parameter(string query, string field)
    {
        var response = await client.GetAsync($"/api/lifecycle/cohorts/retention?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
    }
}
