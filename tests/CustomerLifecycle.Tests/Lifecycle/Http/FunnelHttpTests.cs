using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

[Collection(AppFixtureGroup.Name)]
public class FunnelHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);

    private static string At(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    private static string Month(DateTimeOffset at) => at.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private async Task Post(params JsonNode[] touchpoints)
    {
        var response = await ingest.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();
    }

    private async Task<JsonObject> Funnel(string query)
    {
        var response = await client.GetAsync($"/api/lifecycle/funnel?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static JsonObject Click(string customer, string channel, DateTimeOffset at) =>
        Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: At(at));

    private static JsonObject Touch(string type, string customer, DateTimeOffset at, JsonObject? data = null) =>
        Json.Touchpoint(type, customer, data ?? [], occurredAt: At(at));

    /// <summary>A step as "stage customers conversion% of-entrants% median/p75/p90 days", "-" for absent values.</summary>
    private static string Step(JsonNode? step)
    {
        static string N(JsonNode? n) => n is null ? "-" : ((decimal)n).ToString("0.0", CultureInfo.InvariantCulture);
        var days = step!["daysFromPreviousStep"] is { } d ? $"{N(d["median"])}/{N(d["p75"])}/{N(d["p90"])}" : "-";
        return $"{(string)step["stage"]!} {(long)step["customers"]!} {N(step["conversionPercent"])} {N(step["percentOfEntrants"])} {days}";
    }

    private static string[] Steps(JsonNode? group) => [.. group!["steps"]!.AsArray().Select(Step)];

    [Fact]
    public async Task Each_step_counts_who_passed_through_that_very_stage_and_how_many_of_them_went_on()
    {
        var channel = Json.NewId("ch");
        var day0 = new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero);
        string trialBuyer = Json.NewId("c"), directBuyer = Json.NewId("c"), trialOnly = Json.NewId("c");
        await Post(
            Click(trialBuyer, channel, day0), Touch("trial_started", trialBuyer, day0.AddDays(1)), Json.Purchase(trialBuyer, occurredAt: At(day0.AddDays(3))),
            Click(directBuyer, channel, day0), Json.Purchase(directBuyer, occurredAt: At(day0.AddDays(2))),
            Click(trialOnly, channel, day0), Touch("trial_started", trialOnly, day0.AddDays(1)));

        var funnel = await Funnel($"from=2025-04-01&to=2025-04-02&channel={channel}");

        var steps = Assert.Single(funnel["groups"]!.AsArray())!["steps"]!.AsArray();
        var trial = steps.Single(s => (string)s!["stage"]! == "trial")!;
        var customer = steps.Single(s => (string)s!["stage"]! == "customer")!;
        // Three reached trial or later, but only two had a trial; one of those two bought.
        Assert.Equal((3L, 2L), ((long)trial["customers"]!, (long)trial["passedThrough"]!));
        Assert.Equal((2L, 2L), ((long)customer["customers"]!, (long)customer["passedThrough"]!));
        Assert.Equal((66.7m, 50.0m), ((decimal)customer["conversionPercent"]!, (decimal)customer["passedThroughConversionPercent"]!));
        Assert.Null(steps[0]!["passedThroughConversionPercent"]);
        Assert.Contains("trial-to-customer", (string)funnel["definitions"]!["passedThroughConversionPercent"]!, StringComparison.Ordinal);
        Assert.NotNull(funnel["definitions"]!["customers"]);
    }

    [Fact]
    public async Task The_funnel_counts_a_skipped_step_as_reached_when_a_later_stage_is_reached_and_times_each_step()
    {
        var channel = Json.NewId("ch");
        var day0 = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
        string a = Json.NewId("c"), b = Json.NewId("c"), c = Json.NewId("c"), d = Json.NewId("c"), late = Json.NewId("c");
        await Post(
            // a climbs the whole path but skips Loyal: a referral makes a repeat customer an advocate.
            Click(a, channel, day0), Touch("signed_up", a, day0.AddDays(2)), Touch("trial_started", a, day0.AddDays(3)),
            Json.Purchase(a, occurredAt: At(day0.AddDays(5))), Json.Purchase(a, occurredAt: At(day0.AddDays(9))),
            Touch("referral_made", a, day0.AddDays(10), new JsonObject { ["referredCustomerId"] = Json.NewId("friend") }),
            // b buys straight after the click: Engaged and Trial are reached on day 4, with Customer.
            Click(b, channel, day0), Json.Purchase(b, occurredAt: At(day0.AddDays(4))),
            Click(c, channel, day0), Touch("signed_up", c, day0.AddDays(1)),
            Click(d, channel, day0),
            // First seen exactly at `to`: outside the window.
            Click(late, channel, day0.AddDays(1)), Json.Purchase(late, occurredAt: At(day0.AddDays(2))));

        var funnel = await Funnel($"from=2025-03-01&to=2025-03-02&channel={channel}");

        Assert.Equal((day0, day0.AddDays(1)), ((DateTimeOffset)funnel["from"]!, (DateTimeOffset)funnel["to"]!));
        var group = Assert.Single(funnel["groups"]!.AsArray());
        Assert.Equal(
            [
                "prospect 4 - 100.0 -",
                "engaged 3 75.0 75.0 2.0/3.0/3.6", // a 2 days, b 4, c 1
                "trial 2 66.7 50.0 0.5/0.8/0.9", // a 1 day, b 0 (skipped)
                "customer 2 100.0 50.0 1.0/1.5/1.8", // a 2 days, b 0
                "repeat_customer 1 50.0 25.0 4.0/4.0/4.0",
                "loyal 1 100.0 25.0 1.0/1.0/1.0", // skipped: reached on day 10 as advocate
                "advocate 1 100.0 25.0 0.0/0.0/0.0",
            ],
            Steps(group));
        // docs/api.md shows this funnel with these counts.
        Assert.Equal([4L, 2L, 1L, 2L, 1L, 0L, 1L], group!["steps"]!.AsArray().Select(s => (long)s!["passedThrough"]!));
        Assert.Equal([null, 75.0m, 50.0m, 100.0m, 50.0m, 100.0m, null], group["steps"]!.AsArray().Select(s => (decimal?)s!["passedThroughConversionPercent"]));
    }

    [Fact]
    public async Task The_funnel_splits_by_acquisition_channel_or_by_first_seen_month()
    {
        // Grouping by channel without a channel filter sees every customer first seen in the window, so this test
        // takes a window of its own in the past that no other test writes to.
        // Before 1997: the CDNOW import tests load 1997-1998 purchases (customers without a channel) into the same database.
        var start = new DateTimeOffset(1975 + Random.Shared.Next(20), 1 + Random.Shared.Next(12), 1, 0, 0, 0, TimeSpan.Zero);
        string channelA = Json.NewId("a"), channelB = Json.NewId("b");
        string a1 = Json.NewId("c"), a2 = Json.NewId("c"), b1 = Json.NewId("c"), direct = Json.NewId("c");
        await Post(
            Click(a1, channelA, start), Json.Purchase(a1, occurredAt: At(start.AddDays(2))),
            Click(a2, channelA, start.AddMonths(1)), Touch("signed_up", a2, start.AddMonths(1).AddDays(1)),
            Click(b1, channelB, start.AddDays(5)),
            Json.Purchase(direct, occurredAt: At(start.AddDays(3))));
        var window = $"from={Uri.EscapeDataString(At(start))}&to={Uri.EscapeDataString(At(start.AddMonths(2)))}";

        var byChannel = (await Funnel($"{window}&by=channel"))["groups"]!.AsArray();
        var byMonth = (await Funnel($"{window}&by=cohort&channel={channelA}"))["groups"]!.AsArray();
        var oneMonth = (await Funnel($"{window}&channel={channelA}&cohort={Month(start.AddMonths(1))}"))["groups"]!.AsArray();

        Assert.Equal([channelA, channelB, null], byChannel.Select(g => (string?)g!["channel"]));
        Assert.Equal(
            ["prospect 2 - 100.0 -", "engaged 2 100.0 100.0 1.5/1.8/1.9", "trial 1 50.0 50.0 0.0/0.0/0.0", "customer 1 100.0 50.0 0.0/0.0/0.0",
             "repeat_customer 0 0.0 0.0 -", "loyal 0 - 0.0 -", "advocate 0 - 0.0 -"],
            Steps(byChannel[0]));
        Assert.Equal(
            ["prospect 1 - 100.0 -", "engaged 0 0.0 0.0 -", "trial 0 - 0.0 -", "customer 0 - 0.0 -",
             "repeat_customer 0 - 0.0 -", "loyal 0 - 0.0 -", "advocate 0 - 0.0 -"],
            Steps(byChannel[1]));
        // First touch a purchase: no channel, and every step up to Customer reached at that moment.
        Assert.Equal(
            ["prospect 1 - 100.0 -", "engaged 1 100.0 100.0 0.0/0.0/0.0", "trial 1 100.0 100.0 0.0/0.0/0.0", "customer 1 100.0 100.0 0.0/0.0/0.0",
             "repeat_customer 0 0.0 0.0 -", "loyal 0 - 0.0 -", "advocate 0 - 0.0 -"],
            Steps(byChannel[2]));

        Assert.Equal([Month(start), Month(start.AddMonths(1))], byMonth.Select(g => (string?)g!["cohort"]));
        Assert.Equal(
            ["prospect 1 - 100.0 -", "engaged 1 100.0 100.0 2.0/2.0/2.0", "trial 1 100.0 100.0 0.0/0.0/0.0", "customer 1 100.0 100.0 0.0/0.0/0.0",
             "repeat_customer 0 0.0 0.0 -", "loyal 0 - 0.0 -", "advocate 0 - 0.0 -"],
            Steps(byMonth[0]));
        string[] secondMonth =
            ["prospect 1 - 100.0 -", "engaged 1 100.0 100.0 1.0/1.0/1.0", "trial 0 0.0 0.0 -", "customer 0 - 0.0 -",
             "repeat_customer 0 - 0.0 -", "loyal 0 - 0.0 -", "advocate 0 - 0.0 -"];
        Assert.Equal(secondMonth, Steps(byMonth[1]));
        Assert.Equal(secondMonth, Steps(Assert.Single(oneMonth)));
    }

    [Fact]
    public async Task A_window_nobody_entered_is_one_empty_funnel()
    {
        var funnel = await Funnel($"from=2025-01-01&to=2025-02-01&channel={Json.NewId("ch")}");

        Assert.Equal(
            ["prospect 0 - - -", "engaged 0 - - -", "trial 0 - - -", "customer 0 - - -", "repeat_customer 0 - - -", "loyal 0 - - -", "advocate 0 - - -"],
            Steps(Assert.Single(funnel["groups"]!.AsArray())));
    }

    [Theory]
    [InlineData("to=2026-01-01", "from")]
    [InlineData("from=yesterday&to=2026-01-01", "from")]
    [InlineData("from=2026-01-01", "to")]
    [InlineData("from=2026-02-01&to=2026-02-01", "to")]
    [InlineData("from=2020-01-01&to=2023-01-01T00:00:01Z", "to")]
    [InlineData("from=2026-01-01&to=2026-02-01&by=campaign", "by")]
    [InlineData("from=2026-01-01&to=2026-02-01&cohort=2026-3", "cohort")]
    public async Task Bad_funnel_queries_are_400_naming_the_parameter(string query, string field)
    {
        var response = await client.GetAsync($"/api/lifecycle/funnel?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal([field], errors.Select(e => e.Key));
    }
}
