using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CustomerLifecycle.DemoData.Generation;
using CustomerLifecycle.DemoData.Posting;
using CustomerLifecycle.Tests.Support;
using Microsoft.Playwright;

namespace CustomerLifecycle.Tests.Console;

/// <summary>Quarantine, verify and what-if pages in real Chromium, each cross-checked against its JSON API twin.</summary>
[Collection(ConsoleBrowserGroup.Name)]
public class ConsoleOperatorPagesTests(ConsoleBrowser browser)
{
    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en");

    private readonly HttpClient api = browser.App.ClientWithKey(TestKeys.All);

    [Fact]
    public async Task An_operator_starts_a_rebuild_over_demo_data_and_its_progress_bar_runs_to_done()
    {
        var today = DateTimeOffset.UtcNow;
        var data = DemoDataGenerator.Generate(new DemoSettings(Customers: 200, Seed: 29, Until: DateOnly.FromDateTime(today.UtcDateTime)));
        var posted = await new TouchpointPoster(browser.App.ClientWithKey(TestKeys.Ingest)).PostAsync(data.Touchpoints);
        Assert.True(posted.Succeeded, posted.Failure);
        await browser.App.WaitForProjectionsAsync();

        var page = await browser.SignedInPageAsync(TestKeys.Operate, "/operations");
        var open = page.GetByRole(AriaRole.Button, new() { Name = "Rebuild CustomerJourney…" });
        await Assertions.Expect(open).ToBeEnabledAsync();
        // Every value the bar shows, from the click on.
        await page.EvaluateAsync("""
            () => {
              window.barValues = [];
              new MutationObserver(() => {
                const bar = document.querySelector("[data-testid='rebuild-bar']");
                const value = bar?.getAttribute('aria-valuenow');
                if (value !== null && value !== undefined && window.barValues.at(-1) !== value) window.barValues.push(value);
              }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
            }
            """);
        await open.ClickAsync();
        await page.GetByTestId("rebuild-confirmation").GetByRole(AriaRole.Button, new() { Name = "Rebuild CustomerJourney now" }).ClickAsync();

        // An earlier rebuild in the same database leaves its bar at 100 until this one starts: this one goes below and back.
        await page.WaitForFunctionAsync(
            "() => { const v = window.barValues.map(Number); const i = v.findIndex(x => x < 100); return i >= 0 && v.slice(i).includes(100); }",
            null, new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("rebuild")).ToHaveAttributeAsync("data-state", "completed");
        await Assertions.Expect(page.GetByTestId("rebuild-bar")).ToHaveAttributeAsync("aria-valuenow", "100");

        var report = (await api.GetFromJsonAsync<JsonObject>("/api/projections"))!;
        var status = report["projections"]![0]!["rebuild"]!;
        Assert.Equal("completed", (string)status["state"]!);
        Assert.Equal((long)status["progress"]!["customers"]!, (long)status["progress"]!["customersDone"]!);
        await Assertions.Expect(page.GetByTestId("rebuild-state")).ToContainTextAsync(
            $"{((long)status["journeys"]!).ToString("N0", English)} customers, {((long)status["events"]!).ToString("N0", English)} events");

        // The live projection has resumed: a new customer reaches the read model.
        var customer = Json.NewId("c");
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(Json.Purchase(customer)))).StatusCode);
        await browser.App.WaitForProjectionsAsync();
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/api/customers/{customer}/profile")).StatusCode);
    }

    [Fact]
    public async Task The_quarantine_shows_a_rejections_reason_field_errors_and_exact_bytes()
    {
        var customer = Json.NewId("c");
        var body = Json.Purchase(customer, -5m).ToJsonString();
        var response = await api.PostAsync("/api/touchpoints", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var id = (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]!;

        var page = await browser.SignedInPageAsync(TestKeys.Operate, "/operations/quarantine");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Search" })).ToBeEnabledAsync();
        await page.GetByLabel("Customer id").FillAsync(customer);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        var detail = page.GetByTestId("rejection-detail");
        await Assertions.Expect(detail.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync($"Rejection {id}: validation");
        await Assertions.Expect(detail.GetByTestId("field-errors")).ToContainTextAsync("data.amount");
        var bytes = Encoding.UTF8.GetBytes(body);
        await Assertions.Expect(detail.GetByTestId("hex-dump")).ToContainTextAsync("00000000  " + string.Join(' ', bytes.Take(8).Select(b => b.ToString("x2", CultureInfo.InvariantCulture))));
        await Assertions.Expect(detail.GetByTestId("payload-text")).ToHaveTextAsync(body);

        var download = await page.RunAndWaitForDownloadAsync(() => detail.GetByTestId("payload-download").ClickAsync());
        Assert.Equal(bytes, await File.ReadAllBytesAsync((await download.PathAsync())!));
    }

    [Fact]
    public async Task Verify_reports_a_customer_consistent_as_the_api_does()
    {
        var customer = Json.NewId("c");
        var batch = await api.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(Json.Purchase(customer), Json.Purchase(customer, occurredAt: "2026-11-25T10:00:00Z")));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        await browser.App.WaitForProjectionsAsync();
        var expected = (await (await api.PostAsJsonAsync("/api/lifecycle/verify", new JsonObject { ["customerId"] = customer })).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(1, expected["consistent"]!.GetValue<int>());

        var page = await browser.SignedInPageAsync(TestKeys.Operate, "/operations/verify");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true })).ToBeEnabledAsync();
        await page.GetByLabel("Customer id").FillAsync(customer);
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("verify-checked")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("verify-consistent")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("verify-all-consistent")).ToBeVisibleAsync();

        await page.GetByLabel("Customer id").FillAsync(Json.NewId("nobody"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("verify-error")).ToContainTextAsync("Unknown customer");
    }

    [Fact]
    public async Task What_if_shows_the_apis_transition_matrix_for_edited_thresholds_and_field_errors()
    {
        var customer = Json.NewId("c");
        var batch = await api.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(Json.Purchase(customer, occurredAt: "2026-10-01T10:00:00Z")));
        Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        await browser.App.WaitForProjectionsAsync();
        var expected = (await (await api.PostAsJsonAsync("/api/lifecycle/what-if", new JsonObject
        {
            ["rules"] = new JsonObject { ["atRiskAfterDays"] = 30 },
            ["sample"] = 10_000,
        })).Content.ReadFromJsonAsync<JsonObject>())!;
        var moved = expected["moved"]!.GetValue<int>();
        Assert.True(moved >= 1);

        var page = await browser.SignedInPageAsync(TestKeys.Operate, "/operations/what-if");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Compare" })).ToBeEnabledAsync();
        await Assertions.Expect(page.GetByLabel("At risk after days without buying")).ToHaveValueAsync("90");
        await page.GetByLabel("At risk after days without buying").FillAsync("30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("what-if-summary")).ToContainTextAsync(
            $"{moved.ToString("N0", English)} of {expected["customers"]!.GetValue<int>().ToString("N0", English)} customers would stand in another stage");
        var matrix = page.GetByTestId("shift-matrix");
        foreach (var cell in expected["matrix"]!.AsArray())
        {
            var from = cell!["from"]?.GetValue<string>() is { } f ? ConsoleAnalystPagesTests.Pascal(f) : "none";
            var to = cell["to"]?.GetValue<string>() is { } t ? ConsoleAnalystPagesTests.Pascal(t) : "none";
            await Assertions.Expect(matrix.Locator($"td[data-from='{from}'][data-to='{to}']")).ToHaveTextAsync(cell["count"]!.GetValue<int>().ToString("N0", English));
        }

        await Assertions.Expect(page.GetByTestId("moved-customers")).ToBeVisibleAsync();

        await page.GetByLabel("Churned after days without buying").FillAsync("20");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await Assertions.Expect(page.Locator("#rule-churnAfterDays-error")).ToHaveTextAsync("must be greater than AtRiskAfterDays");
    }

    [Fact]
    public async Task The_language_switch_shows_the_console_in_simplified_chinese_and_back()
    {
        var page = await browser.SignedInPageAsync(TestKeys.All);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Exact = true })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "简体中文" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "概览", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "zh-Hans");
        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "控制台页面" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "漏斗" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("stage-counts")).ToContainTextAsync("复购客户");
        Assert.Equal(-1, page.Url.IndexOf("culture", StringComparison.Ordinal));

        await page.GotoAsync("/cohorts");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "同期群", Exact = true })).ToBeVisibleAsync();
        // Months as Chinese writes them.
        await Assertions.Expect(page.GetByTestId("heat-map").Locator("tbody th").First).ToContainTextAsync("年");

        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Cohorts", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", "en");
    }
}
