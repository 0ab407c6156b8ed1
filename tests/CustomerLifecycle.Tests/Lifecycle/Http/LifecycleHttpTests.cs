using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

[Collection(AppFixtureGroup.Name)]
public class LifecycleHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static string At(DateTimeOffset at) => at.ToString("O");

    private async Task Post(params JsonNode[] touchpoints)
    {
        var response = await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<JsonObject> Profile(string customer)
    {
        await app.WaitForProjectionsAsync();
        var response = await client.GetAsync($"/api/customers/{customer}/profile");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<JsonArray> Transitions(string customer) =>
        (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/transitions"))!["transitions"]!.AsArray();

    [Fact]
    public async Task A_journey_from_ad_click_to_second_purchase_climbs_the_main_path()
    {
        var customer = Json.NewId("c");
        var channel = Json.NewId("ch");
        await Post(
            Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel, ["campaign"] = "spring" }, occurredAt: At(Now.AddDays(-20))),
            Json.Touchpoint("signed_up", customer, new JsonObject(), occurredAt: At(Now.AddDays(-19))),
            Json.Purchase(customer, 30m, occurredAt: At(Now.AddDays(-18))),
            Json.Purchase(customer, 20m, occurredAt: At(Now.AddDays(-5))));

        var profile = await Profile(customer);

        Assert.Equal("repeat_customer", (string)profile["stage"]!);
        Assert.Equal(["prospect", "engaged", "customer", "repeat_customer"], profile["stageHistory"]!.AsArray().Select(s => (string)s!["stage"]!));
        Assert.Equal((channel, "spring", "ad_clicked"), ((string)profile["acquisition"]!["channel"]!, (string)profile["acquisition"]!["campaign"]!, (string)profile["acquisition"]!["firstTouchType"]!));
        Assert.Equal(2, (int)profile["counters"]!["purchases"]!);
        Assert.Equal(50m, (decimal)profile["counters"]!["netRevenue"]![0]!["amount"]!);
        Assert.Equal(Now.AddDays(-5).AddDays(90).ToUnixTimeSeconds(), ((DateTimeOffset)profile["nextDeadlineAt"]!).ToUnixTimeSeconds());

        var transitions = await Transitions(customer);
        Assert.Equal(["first-touch", "engaged-by-signup", "first-purchase", "repeat-purchase"], transitions.Select(t => (string)t!["ruleId"]!));
        Assert.All(transitions, t => Assert.Equal("2026-11-v1", (string)t!["ruleSetVersion"]!));
    }

    [Fact]
    public async Task Ninety_days_of_silence_put_a_customer_at_risk_when_the_clock_passes_without_any_new_touchpoint()
    {
        var customer = Json.NewId("c");
        var lastPurchase = Now.AddDays(-80);
        await Post(Json.Purchase(customer, occurredAt: At(lastPurchase)));
        Assert.Equal("customer", (string)(await Profile(customer))["stage"]!);

        await app.SweepAsync(lastPurchase.AddDays(91));

        var profile = await Profile(customer);
        Assert.Equal("at_risk", (string)profile["stage"]!);
        var atRisk = (await Transitions(customer)).Last()!;
        Assert.Equal("inactive-at-risk", (string)atRisk["ruleId"]!);
        Assert.Equal(lastPurchase.AddDays(90).ToUnixTimeMilliseconds(), ((DateTimeOffset)atRisk["effectiveAt"]!).ToUnixTimeMilliseconds());
        // Learned when it fell due, not when the sweep happened to run.
        Assert.Equal(lastPurchase.AddDays(90).ToUnixTimeMilliseconds(), ((DateTimeOffset)atRisk["learnedAt"]!).ToUnixTimeMilliseconds());
        Assert.Equal("deadline", (string)atRisk["cause"]!["kind"]!);

        // The passage of time is a fact in the customer's own stream: the journey stays a fold of one stream.
        var stream = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events"))!["events"]!.AsArray();
        Assert.Equal(["purchase_completed", "lifecycle_deadline_reached"], stream.Select(e => (string)e!["type"]!));
    }

    [Fact]
    public async Task A_late_purchase_supersedes_a_past_churn_and_is_marked_as_a_correction()
    {
        var customer = Json.NewId("c");
        await Post(Json.Purchase(customer, occurredAt: At(Now.AddDays(-300))));
        var before = await Profile(customer);
        Assert.Equal("churned", (string)before["stage"]!);
        var knownBeforeLateEvent = DateTimeOffset.UtcNow;
        await Task.Delay(20);

        await Post(Json.Purchase(customer, occurredAt: At(Now.AddDays(-150))));

        var after = await Profile(customer);
        Assert.Equal("at_risk", (string)after["stage"]!); // 90 days after the late purchase; churn would come at 180
        var transitions = await Transitions(customer);
        var superseded = transitions.Where(t => t!["supersededAt"] is not null).Select(t => (string)t!["ruleId"]!).ToList();
        var corrections = transitions.Where(t => (bool)t!["isCorrection"]!).Select(t => (string)t!["ruleId"]!).ToList();
        Assert.Contains("inactive-churned", superseded);
        Assert.Contains("recovered", corrections);

        var asOf = At(Now.AddDays(-100));
        var nowView = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/stage?asOf={Uri.EscapeDataString(asOf)}"))!;
        var oldView = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/stage?asOf={Uri.EscapeDataString(asOf)}&knownAt={Uri.EscapeDataString(At(knownBeforeLateEvent))}"))!;
        Assert.Equal("repeat_customer", (string)nowView["stage"]!);
        Assert.Equal("churned", (string)oldView["stage"]!);
    }

    [Fact]
    public async Task The_stage_distribution_counts_customers_now_and_at_a_past_date()
    {
        var channel = Json.NewId("ch");
        var buyers = Enumerable.Range(0, 3).Select(_ => Json.NewId("c")).ToArray();
        var prospect = Json.NewId("c");
        JsonObject Click(string customer, DateTimeOffset at) =>
            Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: At(at));
        await Post([.. buyers.Select(b => (JsonNode)Click(b, Now.AddDays(-40))), .. buyers.Select(b => (JsonNode)Json.Purchase(b, occurredAt: At(Now.AddDays(-10)))), Click(prospect, Now.AddDays(-40))]);
        await app.WaitForProjectionsAsync();

        var now = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages?channel={channel}"))!;
        var before = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages?channel={channel}&asOf={Uri.EscapeDataString(At(Now.AddDays(-20)))}"))!;

        long Count(JsonObject d, string stage) => (long)d["stages"]!.AsArray().Single(s => (string)s!["stage"]! == stage)!["customers"]!;
        Assert.Equal((4L, 3L, 1L), ((long)now["customers"]!, Count(now, "customer"), Count(now, "prospect")));
        Assert.Equal((4L, 0L, 4L), ((long)before["customers"]!, Count(before, "customer"), Count(before, "prospect")));

        var page = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages/customer/customers?channel={channel}&sort=customerId&order=asc&limit=2"))!;
        var prospects = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages/repeat_customer/customers?channel={channel}"))!;
        Assert.Equal(0L, (long)prospects["total"]!);
        Assert.Equal(3L, (long)page["total"]!);
        Assert.Equal(buyers.Order(StringComparer.Ordinal).Take(2), page["customers"]!.AsArray().Select(c => (string)c!["customerId"]!));
    }

    [Fact]
    public async Task With_the_projection_caught_up_the_sweep_ticks_to_the_time_asked()
    {
        var sweep = app.Services.GetRequiredService<LifecycleSweep>();
        await Post(Json.Purchase(Json.NewId("c")));
        await app.WaitForProjectionsAsync();

        var wanted = DateTimeOffset.UtcNow.AddDays(1);
        Assert.Equal(wanted, await sweep.SafeAsOfAsync(wanted, CancellationToken.None));
    }

    [Theory]
    [InlineData("/api/lifecycle/stages/sleeping/customers", "stage")]
    [InlineData("/api/lifecycle/stages/customer/customers?sort=mood", "sort")]
    [InlineData("/api/lifecycle/stages/customer/customers?limit=501", "limit")]
    [InlineData("/api/customers/anyone/stage", "asOf")]
    public async Task Bad_lifecycle_queries_are_400_naming_the_parameter(string url, string field)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![field]);
    }

    [Fact]
    public async Task Customer_ids_starting_with_a_dollar_are_reserved()
    {
        var response = await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase("$lifecycle-clock"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Lifecycle_views_of_an_unknown_customer_are_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/customers/{Json.NewId("nobody")}/profile")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/customers/{Json.NewId("nobody")}/transitions")).StatusCode);
    }
}
