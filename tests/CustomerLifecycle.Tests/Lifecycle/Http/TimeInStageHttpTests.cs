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
/// The service's clock moved ahead of the journals, as when the sweep has fallen behind: an open spell stops at the
/// customer's next deadline, because by then a time-based rule has ended it whether or not it is recorded yet.
/// </summary>
public sealed class TimeInStageAheadOfTheSweepTests(ShiftedClockApp app) : IClassFixture<ShiftedClockApp>
{
    [Fact]
    public async Task An_open_spell_is_measured_only_up_to_the_next_deadline_the_sweep_has_not_yet_recorded()
    {
        var now = DateTimeOffset.UtcNow;
        var channel = Json.NewId("ch");
        var customer = Json.NewId("c");
        var response = await app.ClientWithKey(TestKeys.Ingest).PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: now.AddDays(-81).ToString("O", CultureInfo.InvariantCulture)),
            Json.Purchase(customer, occurredAt: now.AddDays(-80).ToString("O", CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();

        // 30 days on, without a sweep: the at-risk deadline (90 days after the purchase) passed 20 days ago.
        app.Clock.Offset = TimeSpan.FromDays(30);
        var report = (await app.ClientWithKey(TestKeys.Read).GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;

        Assert.Equal(
            ["prospect 1 1 0 1.0/1.0/1.0 1.0/1.0/1.0", "engaged 0 0 0 - -", "trial 0 0 0 - -", "customer 1 1 1 90.0/90.0/90.0 90.0/90.0/90.0",
             "repeat_customer 0 0 0 - -", "loyal 0 0 0 - -", "advocate 0 0 0 - -", "at_risk 0 0 0 - -", "churned 0 0 0 - -", "won_back 0 0 0 - -"],
            TimeInStageLines.Of(report));
    }
}

/// <summary>What the kept-report tests post and read: one new prospect of a channel, and the prospects counted.</summary>
internal static class KeptReports
{
    public static async Task ClickAsync(CustomerLifecycleApp app, string channel)
    {
        var response = await app.ClientWithKey(TestKeys.Ingest).PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Touchpoint("ad_clicked", Json.NewId("c"), new JsonObject { ["channel"] = channel }, occurredAt: DateTimeOffset.UtcNow.AddDays(-3).ToString("O", CultureInfo.InvariantCulture))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();
    }

    public static long Prospects(JsonObject report) => (long)report["stages"]!.AsArray().Single(s => (string)s!["stage"]! == "prospect")!["customers"]!;
}

/// <summary>Kept reports: measuring time in stage reads every spell of its population, so reports are shared.</summary>
[Collection(AppFixtureGroup.Name)]
public class TimeInStageKeptReportTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);

    private Task ClickAsync(string channel) => KeptReports.ClickAsync(app, channel);

    private static long Prospects(JsonObject report) => KeptReports.Prospects(report);

    [Fact]
    public async Task A_filters_report_is_kept_until_its_max_age_and_fresh_true_measures_it_again()
    {
        var channel = Json.NewId("ch");
        await ClickAsync(channel);
        var first = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;
        await ClickAsync(channel);

        var kept = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;
        var fresh = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}&fresh=true"))!;
        var afterFresh = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}"))!;

        Assert.Equal(1, Prospects(first));
        Assert.Equal(TimeInStageLines.Of(first), TimeInStageLines.Of(kept));
        Assert.Equal((DateTimeOffset)first["measuredAt"]!, (DateTimeOffset)kept["measuredAt"]!);
        Assert.Equal(2, Prospects(fresh));
        Assert.True((DateTimeOffset)fresh["measuredAt"]! > (DateTimeOffset)first["measuredAt"]!);
        Assert.Equal((DateTimeOffset)fresh["measuredAt"]!, (DateTimeOffset)afterFresh["measuredAt"]!);
    }

    [Fact]
    public async Task Concurrent_requests_for_a_filter_not_measured_yet_share_one_measurement()
    {
        var channel = Json.NewId("ch");
        await ClickAsync(channel);

        var reports = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/time-in-stage?channel={channel}")));

        Assert.Single(reports.Select(r => (DateTimeOffset)r!["measuredAt"]!).Distinct());
        Assert.All(reports, r => Assert.Equal(1, Prospects(r!)));
    }

    [Fact]
    public async Task A_fresh_value_that_is_not_a_boolean_is_400_naming_it()
    {
        var response = await client.GetAsync("/api/lifecycle/time-in-stage?fresh=maybe");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("fresh", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

/// <summary>A kept report past its age is still answered, and the request that finds it so starts measuring it again.</summary>
public sealed class TimeInStageReportAgeTests(ShiftedClockApp app) : IClassFixture<ShiftedClockApp>
{
    [Fact]
    public async Task A_report_past_its_max_age_is_answered_once_more_while_it_is_measured_again_in_the_background()
    {
        var channel = Json.NewId("ch");
        var client = app.ClientWithKey(TestKeys.Read);
        static long Prospects(JsonObject report) => KeptReports.Prospects(report);
        var url = $"/api/lifecycle/time-in-stage?channel={channel}";
        await KeptReports.ClickAsync(app, channel);
        var first = (await client.GetFromJsonAsync<JsonObject>(url))!;
        await KeptReports.ClickAsync(app, channel);

        app.Clock.Offset += TimeSpan.FromMinutes(6); // the default max age is 5 minutes
        var stale = (await client.GetFromJsonAsync<JsonObject>(url))!;
        var measuredAgain = stale;
        for (var attempt = 0; attempt < 100 && (DateTimeOffset)measuredAgain["measuredAt"]! == (DateTimeOffset)first["measuredAt"]!; attempt++)
        {
            await Task.Delay(100);
            measuredAgain = (await client.GetFromJsonAsync<JsonObject>(url))!;
        }

        Assert.Equal(1, Prospects(first));
        Assert.Equal((DateTimeOffset)first["measuredAt"]!, (DateTimeOffset)stale["measuredAt"]!);
        Assert.Equal(1, Prospects(stale));
        Assert.Equal(2, Prospects(measuredAgain));
        Assert.True((DateTimeOffset)measuredAgain["measuredAt"]! > (DateTimeOffset)first["measuredAt"]!);
    }
}
