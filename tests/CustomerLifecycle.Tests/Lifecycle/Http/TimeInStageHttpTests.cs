using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

/// <summary>Renders the time-in-stage answer as one line per stage, "-" for absent values, so whole answers compare.</summary>
internal static class TimeInStageLines
{
    public static string[] Of(JsonObject report) => [.. report["stages"]!.AsArray().Select(Line)];

    private static string Line(JsonNode? stage)
    {
        static string N(JsonNode? n) => n is null ? "-" : ((decimal)n).ToString("0.0", CultureInfo.InvariantCulture);
        static string Days(JsonNode? d) => d is null ? "-" : $"{N(d["mean"])}/{N(d["median"])}/{N(d["p90"])}";
        return $"{(string)stage!["stage"]!} {(long)stage["customers"]!} {(long)stage["spells"]!} {(long)stage["inStageNow"]!} {Days(stage["latestSpellDays"])} {Days(stage["totalDays"])}";
    }
}

[Collection(AppFixtureGroup.Name)]
public class TimeInStageHttpTests(CustomerLifecycleApp app)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);

    private static string At(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static JsonObject Click(string customer, string channel, DateTimeOffset at) =>
        Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: At(at));

    [Fact]
    public async Task Time_in_stage_gives_each_customers_latest_and_total_time_with_open_spells_measured_to_now()
    {
        var channel = Json.NewId("ch");
        string prospect = Json.NewId("c"), buyer = Json.NewId("c"), returner = Json.NewId("c");
        var response = await ingest.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Click(prospect, channel, Now.AddDays(-10)),
            Click(buyer, channel, Now.AddDays(-30)),
            Json.Purchase(buyer, occurredAt: At(Now.AddDays(-20))),
            // Prospect 100 days, Customer 90, at risk 90, churned 20 (from day 180 after the purchase to the win-back),
            // won back 90, at risk again for the last 10 days.
            Click(returner, channel, Now.AddDays(-400)),
            Json.Purchase(returner, occurredAt: At(Now.AddDays(-300))),
            Json.Purchase(returner, occurredAt: At(Now.AddDays(-100)))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();

        var all = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;
        var cohort = Now.AddDays(-20).ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var oneCohort = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}&cohort={cohort}"))!;

        // stage, customers, spells, in it now, latest spell mean/median/p90, total per customer mean/median/p90
        Assert.Equal(
            [
                "prospect 3 3 1 40.0/10.0/82.0 40.0/10.0/82.0", // 10 (open), 10, 100
                "engaged 0 0 0 - -",
                "trial 0 0 0 - -",
                "customer 2 2 1 55.0/55.0/83.0 55.0/55.0/83.0", // 20 (open), 90
                "repeat_customer 0 0 0 - -",
                "loyal 0 0 0 - -",
                "advocate 0 0 0 - -",
                "at_risk 1 2 1 10.0/10.0/10.0 100.0/100.0/100.0", // 90, then 10 (open)
                "churned 1 1 0 20.0/20.0/20.0 20.0/20.0/20.0",
                "won_back 1 1 0 90.0/90.0/90.0 90.0/90.0/90.0",
            ],
            TimeInStageLines.Of(all));
        Assert.Equal(channel, (string)all["channel"]!);
        Assert.InRange((DateTimeOffset)all["measuredAt"]!, Now, DateTimeOffset.UtcNow);
        Assert.Equal(
            ["prospect 1 1 0 10.0/10.0/10.0 10.0/10.0/10.0", "engaged 0 0 0 - -", "trial 0 0 0 - -", "customer 1 1 1 20.0/20.0/20.0 20.0/20.0/20.0",
             "repeat_customer 0 0 0 - -", "loyal 0 0 0 - -", "advocate 0 0 0 - -", "at_risk 0 0 0 - -", "churned 0 0 0 - -", "won_back 0 0 0 - -"],
            TimeInStageLines.Of(oneCohort));
    }

    [Fact]
    public async Task A_bad_cohort_is_400_naming_the_parameter()
    {
        var response = await client.GetAsync("/api/lifecycle/time-in-stage?cohort=March");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["cohort"], (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject().Select(e => e.Key));
    }
}

/// <summary>
/// The service's clock moved ahead of the journals, as when the lifecycle schedule has fallen behind: an open spell is
/// measured to the request, like the stage distribution shows the customer in that stage until the schedule records
/// the time-based transition.
/// </summary>
public sealed class TimeInStageAheadOfTheSweepTests(ShiftedClockApp app) : IClassFixture<ShiftedClockApp>
{
    [Fact]
    public async Task An_open_spell_is_measured_to_the_request_until_the_schedule_records_its_end()
    {
        var now = DateTimeOffset.UtcNow;
        var channel = Json.NewId("ch");
        var customer = Json.NewId("c");
        var response = await app.ClientWithKey(TestKeys.Ingest).PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: now.AddDays(-81).ToString("O", CultureInfo.InvariantCulture)),
            Json.Purchase(customer, occurredAt: now.AddDays(-80).ToString("O", CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();

        // 30 days on, without a sweep: the at-risk deadline (90 days after the purchase) passed 20 days ago, unrecorded.
        app.Clock.Offset = TimeSpan.FromDays(30);
        var report = (await app.ClientWithKey(TestKeys.Read).GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;

        Assert.Equal(
            ["prospect 1 1 0 1.0/1.0/1.0 1.0/1.0/1.0", "engaged 0 0 0 - -", "trial 0 0 0 - -", "customer 1 1 1 110.0/110.0/110.0 110.0/110.0/110.0",
             "repeat_customer 0 0 0 - -", "loyal 0 0 0 - -", "advocate 0 0 0 - -", "at_risk 0 0 0 - -", "churned 0 0 0 - -", "won_back 0 0 0 - -"],
            TimeInStageLines.Of(report));
    }
}

/// <summary>Every answer is read from the kept histograms at the request: nothing is cached between requests.</summary>
[Collection(AppFixtureGroup.Name)]
public class TimeInStageReadAtRequestTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);

    private async Task ClickAsync(string channel)
    {
        var response = await app.ClientWithKey(TestKeys.Ingest).PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Touchpoint("ad_clicked", Json.NewId("c"), new JsonObject { ["channel"] = channel }, occurredAt: DateTimeOffset.UtcNow.AddDays(-3).ToString("O", CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();
    }

    private static long Prospects(JsonObject report) => (long)report["stages"]!.AsArray().Single(s => (string)s!["stage"]! == "prospect")!["customers"]!;

    [Fact]
    public async Task A_customer_folded_since_the_last_answer_is_in_the_next_one()
    {
        var channel = Json.NewId("ch");
        await ClickAsync(channel);
        var first = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;
        await ClickAsync(channel);

        var second = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;

        Assert.Equal(1, Prospects(first));
        Assert.Equal(2, Prospects(second));
        Assert.True((DateTimeOffset)second["measuredAt"]! > (DateTimeOffset)first["measuredAt"]!);
    }
}
