using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Analytics.Revenue;

[Collection(AppFixtureGroup.Name)]
public class RevenueHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);

    private static string At(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static string Month(DateTimeOffset at) => at.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static JsonObject Click(string customer, string channel, DateTimeOffset at) =>
        Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: At(at));

    private static JsonObject Money(string type, string customer, decimal amount, string currency, DateTimeOffset at) =>
        Json.Touchpoint(type, customer, new JsonObject { ["orderId"] = Json.NewId("o"), ["amount"] = amount, ["currency"] = currency }, occurredAt: At(at));

    /// <summary>"EUR 80.00+USD 20.00".</summary>
    private static string Amounts(JsonNode? amounts) =>
        string.Join('+', amounts!.AsArray().Select(a => $"{(string)a!["currency"]!} {((decimal)a["amount"]!).ToString("0.00", CultureInfo.InvariantCulture)}"));

    private static string[] Months(JsonObject report) =>
        [.. report["months"]!.AsArray().Select(m => $"{(string)m!["month"]!} {Amounts(m["revenue"])}{((bool)m["partial"]! ? " partial" : "")}")];

    [Fact]
    public async Task Revenue_is_net_of_refunds_per_month_and_currency_by_channel_cohort_and_currency()
    {
        var now = DateTimeOffset.UtcNow;
        var thisMonth = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        // Within this month and never ahead of the clock.
        var early = thisMonth.AddTicks((now - thisMonth).Ticks / 2);
        var channel = Json.NewId("ch");
        string veteran = Json.NewId("c"), newcomer = Json.NewId("c");
        var response = await ingest.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Click(veteran, channel, thisMonth.AddMonths(-1)),
            Money("purchase_completed", veteran, 100m, "EUR", thisMonth.AddMonths(-1).AddDays(1)),
            Money("purchase_completed", veteran, 20m, "USD", early),
            Money("refund_issued", veteran, 30m, "EUR", early),
            Click(newcomer, channel, thisMonth.AddMonths(-1)),
            Money("purchase_completed", newcomer, 10m, "EUR", early)));
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        await app.WaitForProjectionsAsync();
        var range = $"from={Month(thisMonth.AddMonths(-2))}&to={Month(thisMonth)}&channel={channel}";

        var report = (await client.GetFromJsonAsync<JsonObject>($"/api/analytics/revenue?{range}"))!;

        Assert.Equal(
            [$"{Month(thisMonth.AddMonths(-2))} ", $"{Month(thisMonth.AddMonths(-1))} EUR 100.00", $"{Month(thisMonth)} EUR -20.00+USD 20.00 partial"],
            Months(report));
        Assert.Equal("EUR 80.00+USD 20.00", Amounts(report["total"]));

        var veteransCohort = (await client.GetFromJsonAsync<JsonObject>($"/api/analytics/revenue?{range}&cohort={Month(thisMonth.AddMonths(-1))}"))!;
        Assert.Equal("EUR 70.00+USD 20.00", Amounts(veteransCohort["total"]));

        var euros = (await client.GetFromJsonAsync<JsonObject>($"/api/analytics/revenue?{range}&currency=eur"))!;
        Assert.Equal(
            [$"{Month(thisMonth.AddMonths(-2))} EUR 0.00", $"{Month(thisMonth.AddMonths(-1))} EUR 100.00", $"{Month(thisMonth)} EUR -20.00 partial"],
            Months(euros));
        Assert.Equal("EUR 80.00", Amounts(euros["total"]));
    }

    [Theory]
    [InlineData("to=2026-03", "from")]
    [InlineData("from=2026-3&to=2026-03", "from")]
    [InlineData("from=2026-03", "to")]
    [InlineData("from=2026-03&to=2026-01", "to")]
    [InlineData("from=2020-01&to=2026-01", "to")]
    [InlineData("from=2026-01&to=2026-03&cohort=26-01", "cohort")]
    [InlineData("from=2026-01&to=2026-03&currency=EURO", "currency")]
    public async Task Bad_revenue_queries_are_400_naming_the_parameter(string query, string field)
    {
        var response = await client.GetAsync($"/api/analytics/revenue?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
    }
}
