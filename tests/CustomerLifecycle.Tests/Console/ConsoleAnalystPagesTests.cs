using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Analytics.ChurnRisk;
using CustomerLifecycle.Tests.Support;
using Microsoft.Playwright;

namespace CustomerLifecycle.Tests.Console;

/// <summary>Funnel, cohorts and value-and-risk pages in real Chromium, each cross-checked against its JSON API twin.</summary>
[Collection(ConsoleBrowserGroup.Name)]
public class ConsoleAnalystPagesTests(ConsoleBrowser browser)
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");

    private readonly HttpClient api = browser.App.ClientWithKey(TestKeys.All);

    private async Task PostAsync(params JsonNode[] touchpoints)
    {
        var response = await api.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await browser.App.WaitForProjectionsAsync();
    }

    private static JsonObject Click(string customer, string channel, string at) =>
        Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: at);

    [Fact]
    public async Task The_funnel_shows_the_apis_steps_for_the_chosen_entry_period_and_channel()
    {
        var channel = Json.NewId("ch");
        string[] c = [Json.NewId("c"), Json.NewId("c"), Json.NewId("c")];
        await PostAsync(
            Click(c[0], channel, "2026-10-01T10:00:00Z"),
            Click(c[1], channel, "2026-10-02T10:00:00Z"),
            Json.Purchase(c[1], occurredAt: "2026-10-05T10:00:00Z"),
            Click(c[2], channel, "2026-10-03T10:00:00Z"),
            Json.Purchase(c[2], occurredAt: "2026-10-04T10:00:00Z"),
            Json.Purchase(c[2], occurredAt: "2026-10-20T10:00:00Z"));
        var expected = (await api.GetFromJsonAsync<JsonObject>($"/api/lifecycle/funnel?from=2026-09-01&to=2026-11-01&channel={channel}"))!;
        var steps = expected["groups"]![0]!["steps"]!.AsArray();
        Assert.Equal(3, steps[0]!["customers"]!.GetValue<long>());

        var page = await browser.SignedInPageAsync(TestKeys.Read, "/funnel");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToBeEnabledAsync();
        await page.GetByLabel("Entered from").FillAsync("2026-09-01");
        await page.GetByLabel("Entered before").FillAsync("2026-11-01");
        await page.GetByLabel("Acquisition channel").FillAsync(channel);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

        var table = page.GetByTestId("funnel-steps");
        await Assertions.Expect(table.Locator("caption")).ToHaveTextAsync("3 entrants");
        foreach (var step in steps)
        {
            var row = table.Locator($"tr[data-stage='{Pascal(step!["stage"]!.GetValue<string>())}']");
            await Assertions.Expect(row.GetByTestId("reached")).ToHaveTextAsync(step["customers"]!.GetValue<long>().ToString("N0", English));
            var conversion = step["conversionPercent"]?.GetValue<decimal>();
            await Assertions.Expect(row.GetByTestId("conversion")).ToHaveTextAsync(conversion is { } p ? (p / 100m).ToString("P1", English) : "–");
            var passed = step["passedThroughConversionPercent"]?.GetValue<decimal>();
            await Assertions.Expect(row.GetByTestId("passed-conversion")).ToHaveTextAsync(passed is { } q ? (q / 100m).ToString("P1", English) : "–");
            var median = step["daysFromPreviousStep"]?["median"]?.GetValue<decimal>();
            await Assertions.Expect(row.GetByTestId("median-days")).ToHaveTextAsync(median is { } d ? d.ToString("N1", English) : "–");
        }

        await Assertions.Expect(page.GetByTestId("funnel-chart").Locator("svg path").First).ToBeAttachedAsync();

        // Split by channel: one funnel per channel, this channel's among them.
        await page.GetByLabel("Split by").SelectOptionAsync("channel");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.Locator($"[data-testid='funnel-group'][data-group='{channel}'] h2")).ToHaveTextAsync(channel);
    }

    [Fact]
    public async Task The_cohort_heat_map_shows_the_apis_sizes_and_retention_and_switches_to_customers()
    {
        var channel = Json.NewId("ch");
        string[] c = [Json.NewId("c"), Json.NewId("c"), Json.NewId("c")];
        await PostAsync(
            Click(c[0], channel, "2026-09-01T10:00:00Z"),
            Json.Purchase(c[0], occurredAt: "2026-09-10T10:00:00Z"),
            Json.Purchase(c[0], occurredAt: "2026-10-05T10:00:00Z"),
            Click(c[1], channel, "2026-09-02T10:00:00Z"),
            Json.Purchase(c[1], occurredAt: "2026-09-20T10:00:00Z"),
            Click(c[2], channel, "2026-10-01T10:00:00Z"),
            Json.Purchase(c[2], occurredAt: "2026-10-02T10:00:00Z"));
        var expected = (await api.GetFromJsonAsync<JsonObject>($"/api/lifecycle/cohorts/retention?from=2026-09&to=2026-10&channel={channel}"))!;
        var september = expected["cohorts"]![0]!;
        Assert.Equal(2, september["customers"]!.GetValue<long>());

        var page = await browser.SignedInPageAsync(TestKeys.Read, "/cohorts");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToBeEnabledAsync();
        await page.GetByLabel("First cohort (yyyy-MM)").FillAsync("2026-09");
        await page.GetByLabel("Last cohort (yyyy-MM)").FillAsync("2026-10");
        await page.GetByLabel("Acquisition channel").FillAsync(channel);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

        var map = page.GetByTestId("heat-map");
        foreach (var cohort in expected["cohorts"]!.AsArray())
        {
            var row = map.Locator($"tr[data-cohort='{cohort!["cohort"]!.GetValue<string>()}']");
            await Assertions.Expect(row.GetByTestId("cohort-size")).ToHaveTextAsync(cohort["customers"]!.GetValue<long>().ToString("N0", English));
            foreach (var month in cohort["months"]!.AsArray())
            {
                var percent = month!["retentionPercent"]?.GetValue<decimal>();
                await Assertions.Expect(row.Locator($"td[data-offset='{month["offset"]}']")).ToHaveTextAsync(percent is { } p ? (p / 100m).ToString("P1", English) : "–");
            }
        }

        var septemberOctober = map.Locator("tr[data-cohort='2026-09'] td[data-offset='1']");
        await Assertions.Expect(septemberOctober).ToHaveTextAsync((september["months"]![1]!["retentionPercent"]!.GetValue<decimal>() / 100m).ToString("P1", English));
        await page.GetByLabel("Show").SelectOptionAsync("customers");
        await Assertions.Expect(septemberOctober).ToHaveTextAsync(september["months"]![1]!["activeCustomers"]!.GetValue<long>().ToString("N0", English));
        await page.GetByLabel("Show").SelectOptionAsync("revenue");
        await Assertions.Expect(page.GetByLabel("Currency")).ToHaveValueAsync("EUR");
        await Assertions.Expect(septemberOctober).ToHaveTextAsync(19.99m.ToString("N0", English));
    }

    [Fact]
    public async Task Value_and_risk_shows_a_snapshot_its_risk_list_paged_and_filtered_like_the_api_and_exports_csv()
    {
        var prefix = $"value{Guid.NewGuid():N}-";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var (log, _) = SyntheticShop.Log(today, 80, seed: 17);
        var import = await ClvFitting.ImportAsync(browser.App.ClientWithKey(TestKeys.Ingest), log, $"source=console-shop&currency=EUR&customerPrefix={prefix}");
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        await browser.App.WaitForProjectionsAsync();
        var id = await ClvFitting.FitAsync(api, new JsonObject
        {
            ["currency"] = "EUR", ["customerPrefix"] = prefix,
            ["calibrationEnd"] = today.AddDays(-90).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["holdoutEnd"] = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }, acceptDegraded: true);
        var snapshot = (await api.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/snapshots/{id}"))!;
        var all = (await api.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk?snapshotId={id}&limit=25"))!;
        var segments = (await api.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk/segments?snapshotId={id}"))!["segments"]!.AsArray();
        var segment = segments[0]!["segment"]!.GetValue<string>();
        var inSegment = (await api.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk?snapshotId={id}&segment={segment}&limit=25"))!;

        var page = await browser.SignedInPageAsync(TestKeys.Read, $"/value?snapshot={id}");

        await Assertions.Expect(page.GetByTestId("valued-customers")).ToHaveTextAsync(snapshot["outcome"]!["customers"]!.GetValue<long>().ToString("N0", English));
        await Assertions.Expect(page.GetByTestId("holdout").Locator("tbody tr")).ToHaveCountAsync(snapshot["outcome"]!["holdout"]!["buckets"]!.AsArray().Count);
        await Assertions.Expect(page.GetByTestId("clv-distribution").Locator("svg")).Not.ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("segments").Locator("tbody tr")).ToHaveCountAsync(segments.Count);
        var total = all["total"]!.GetValue<long>();
        await Assertions.Expect(page.GetByTestId("risk-total")).ToHaveTextAsync($"{total.ToString("N0", English)} customers match.");
        var rows = page.GetByTestId("churn-risk").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync((int)Math.Min(total, 25));
        await Assertions.Expect(rows.First).ToContainTextAsync(all["customers"]![0]!["customerId"]!.GetValue<string>());

        // The segment filter narrows the list as the API does; the export follows the filter.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToBeEnabledAsync();
        await page.GetByLabel("Segment", new() { Exact = true }).SelectOptionAsync(Pascal(segment));
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        var filtered = inSegment["total"]!.GetValue<long>();
        await Assertions.Expect(page.GetByTestId("risk-total")).ToHaveTextAsync($"{filtered.ToString("N0", English)} customers match.");
        await Assertions.Expect(rows.First).ToContainTextAsync(inSegment["customers"]![0]!["customerId"]!.GetValue<string>());

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export CSV" }).ClickAsync());
        var csv = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.StartsWith("customer_id,churn_risk,value_at_risk", csv[0], StringComparison.Ordinal);
        Assert.Equal(filtered, csv.Length - 1);
        Assert.All(csv.Skip(1), line => Assert.Contains($",{segment},", line, StringComparison.Ordinal));

        // A click on another segment in the segment table shows that segment's customers.
        var other = segments[^1]!;
        await page.Locator($"[data-testid='segments'] tr[data-segment='{Pascal(other["segment"]!.GetValue<string>())}'] button").ClickAsync();
        await Assertions.Expect(page.GetByTestId("risk-total")).ToHaveTextAsync($"{other["risk"]!["customers"]!.GetValue<long>().ToString("N0", English)} customers match.");
    }

    /// <summary>The API's snake_case name as the enum name the page's data attributes carry.</summary>
    internal static string Pascal(string wire) => string.Concat(wire.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
}
