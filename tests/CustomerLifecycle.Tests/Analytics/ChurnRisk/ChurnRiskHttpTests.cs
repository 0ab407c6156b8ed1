using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Analytics.ChurnRisk;

[Collection(AppFixtureGroup.Name)]
public class ChurnRiskHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient read = app.ClientWithKey(TestKeys.Read);

    private async Task<(SyntheticShop Shop, JsonObject Page)> RankingAsync(string query = "")
    {
        var shop = await SyntheticShop.GetAsync(app);
        var page = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk?snapshotId={shop.SnapshotId}&limit=500{query}"))!;
        return (shop, page);
    }

    private static JsonArray Customers(JsonObject page) => page["customers"]!.AsArray();

    private static IEnumerable<string> Codes(JsonNode entry) => entry["reasons"]!.AsArray().Select(r => (string)r!["code"]!);

    [Fact]
    public async Task The_ranking_holds_every_customer_once_riskiest_first_with_the_reasons_behind_each_risk()
    {
        var (shop, page) = await RankingAsync();

        var customers = Customers(page);
        Assert.Equal(shop.Customers, (int)page["total"]!);
        Assert.Equal(shop.Customers, customers.Select(c => (string)c!["customerId"]!).Distinct().Count());
        var risks = customers.Select(c => (double)c!["churnRisk"]!).ToList();
        Assert.Equal(risks.OrderDescending(), risks);
        Assert.Equal("completed", (string)page["snapshotStatus"]!);
        Assert.All(customers, c => Assert.InRange((double)c!["churnRisk"]!, 1e-6, 1 - 1e-6));

        var unhappy = customers.Single(c => (string)c!["customerId"]! == shop.Unhappy)!;
        Assert.Contains("open_complaints", Codes(unhappy));
        Assert.Contains("detractor", Codes(unhappy));
        Assert.Equal("at_risk", (string)unhappy["stage"]!);
        var overdue = customers.Single(c => (string)c!["customerId"]! == shop.Overdue)!;
        Assert.Contains("overdue", Codes(overdue));
        Assert.All(overdue["reasons"]!.AsArray(), r => Assert.False(string.IsNullOrWhiteSpace((string)r!["detail"]!)));
    }

    [Fact]
    public async Task Pages_by_value_at_risk_are_slices_of_the_same_ranking()
    {
        var (shop, all) = await RankingAsync("&sort=valueAtRisk");
        var page = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk?snapshotId={shop.SnapshotId}&sort=valueAtRisk&offset=5&limit=10"))!;

        var values = Customers(all).Select(c => (double)c!["valueAtRisk"]!).ToList();
        Assert.Equal(values.OrderDescending(), values);
        Assert.Equal(Customers(all).Skip(5).Take(10).Select(c => (string)c!["customerId"]!), Customers(page).Select(c => (string)c!["customerId"]!));
        Assert.Equal((5, 10, shop.Customers), ((int)page["offset"]!, (int)page["limit"]!, (int)page["total"]!));
    }

    [Fact]
    public async Task Filters_narrow_by_segment_and_by_the_journeys_stage_cohort_and_channel()
    {
        var (shop, all) = await RankingAsync();
        var overdue = Customers(all).Single(c => (string)c!["customerId"]! == shop.Overdue)!;

        var bySegment = Customers((await RankingAsync($"&segment={(string)overdue["segment"]!}")).Page);
        var atRisk = Customers((await RankingAsync("&stage=at_risk")).Page);
        var byCohort = Customers((await RankingAsync($"&cohort={(string)overdue["cohort"]!}")).Page);
        var byChannel = (await RankingAsync("&channel=no-such-channel")).Page;

        Assert.All(bySegment, c => Assert.Equal((string)overdue["segment"]!, (string)c!["segment"]!));
        Assert.Contains(bySegment, c => (string)c!["customerId"]! == shop.Overdue);
        Assert.All(atRisk, c => Assert.Equal("at_risk", (string)c!["stage"]!));
        Assert.Contains(atRisk, c => (string)c!["customerId"]! == shop.Overdue);
        Assert.All(byCohort, c => Assert.Equal((string)overdue["cohort"]!, (string)c!["cohort"]!));
        Assert.Equal(0, (int)byChannel["total"]!);
    }

    [Fact]
    public async Task The_whole_ranking_exports_as_csv_by_format_or_by_accept_header()
    {
        var shop = await SyntheticShop.GetAsync(app);

        var byFormat = await read.GetAsync($"/api/analytics/churn-risk?snapshotId={shop.SnapshotId}&format=csv&limit=1");
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/analytics/churn-risk?snapshotId={shop.SnapshotId}");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var byAccept = await read.SendAsync(request);

        Assert.Equal("text/csv", byFormat.Content.Headers.ContentType!.MediaType);
        var lines = (await byFormat.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("customer_id,churn_risk,value_at_risk,clv,p_alive,expected_purchases,expected_next_purchase,segment,stage,current_stage,cohort,channel,reasons", lines[0]);
        Assert.Equal(shop.Customers + 1, lines.Length);
        Assert.Contains(lines, l => l.StartsWith(shop.Unhappy + ",", StringComparison.Ordinal) && l.Contains("detractor", StringComparison.Ordinal));
        Assert.Equal(await byFormat.Content.ReadAsStringAsync(), await byAccept.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Segments_and_cohorts_each_account_for_every_customer()
    {
        var shop = await SyntheticShop.GetAsync(app);

        var report = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk/segments?snapshotId={shop.SnapshotId}"))!;

        Assert.Equal(shop.Customers, report["segments"]!.AsArray().Sum(s => (int)s!["risk"]!["customers"]!));
        Assert.Equal(shop.Customers, report["cohorts"]!.AsArray().Sum(c => (int)c!["risk"]!["customers"]!));
        Assert.All(report["segments"]!.AsArray(), s => Assert.InRange((double)s!["risk"]!["averageChurnRisk"]!, 0, 1));
    }

    [Fact]
    public async Task A_customers_value_shows_the_newest_snapshot_and_the_history()
    {
        var shop = await SyntheticShop.GetAsync(app);

        var value = (await read.GetFromJsonAsync<JsonObject>($"/api/customers/{shop.Unhappy}/value"))!;

        var current = value["current"]!;
        Assert.Equal((shop.SnapshotId, "EUR"), ((string)current["snapshotId"]!, (string)current["currency"]!));
        Assert.Contains("detractor", Codes(current));
        Assert.Equal((double)current["clv"]! * (double)current["churnRisk"]!, (double)current["valueAtRisk"]!, 9);
        Assert.Contains(value["history"]!.AsArray(), h => (string)h!["snapshotId"]! == shop.SnapshotId);
        Assert.Equal(HttpStatusCode.NotFound, (await read.GetAsync($"/api/customers/{Json.NewId("nobody")}/value")).StatusCode);
    }

    [Fact]
    public async Task Bad_parameters_are_400_by_name()
    {
        var response = await read.GetAsync("/api/analytics/churn-risk?sort=profit&stage=vip&segment=whales&limit=0&offset=-1&format=xml");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["format", "limit", "offset", "segment", "sort", "stage"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_unknown_snapshot_is_404_and_one_that_did_not_complete_is_409()
    {
        var failed = await app.ClientWithKey(TestKeys.Operate).PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject { ["customerPrefix"] = Json.NewId("empty") });
        var id = (string)(await failed.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        await ClvFitting.WaitAsync(app.ClientWithKey(TestKeys.Operate), id, TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.NotFound, (await read.GetAsync($"/api/analytics/churn-risk?snapshotId={Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await read.GetAsync($"/api/analytics/churn-risk?snapshotId={id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await read.GetAsync($"/api/analytics/churn-risk/segments?snapshotId={id}")).StatusCode);
    }

    [Fact]
    public async Task The_views_need_the_read_scope()
    {
        var operate = app.ClientWithKey(TestKeys.Operate);

        Assert.Equal(HttpStatusCode.Forbidden, (await operate.GetAsync("/api/analytics/churn-risk")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operate.GetAsync("/api/analytics/churn-risk/segments")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operate.GetAsync("/api/customers/x/value")).StatusCode);
    }
}
