using System.Globalization;
using System.Text.Json.Nodes;
using CustomerLifecycle.DemoData.Generation;
using CustomerLifecycle.DemoData.Posting;
using CustomerLifecycle.Tests.Support;
using Microsoft.Playwright;

namespace CustomerLifecycle.Tests.Console;

/// <summary>
/// Every console page over a demo population renders without an error, captured as a screenshot. The README's
/// pictures come from here: <c>CONSOLE_SCREENSHOTS_DIR=$PWD/docs/console dotnet test tests/CustomerLifecycle.Tests
/// --filter "FullyQualifiedName~ConsoleScreenshotTests"</c> writes them to docs/console (otherwise to a temporary folder).
/// </summary>
[Collection(ConsoleBrowserGroup.Name)]
public class ConsoleScreenshotTests(ConsoleBrowser browser)
{
    [Fact]
    public async Task Every_page_renders_over_demo_data_and_is_captured()
    {
        var today = DateTimeOffset.UtcNow;
        var data = DemoDataGenerator.Generate(new DemoSettings(Customers: 300, Seed: 17, Until: DateOnly.FromDateTime(today.UtcDateTime)));
        var posted = await new TouchpointPoster(browser.App.ClientWithKey(TestKeys.Ingest)).PostAsync(data.Touchpoints);
        Assert.True(posted.Succeeded, posted.Failure);
        await browser.App.SweepAsync(today);
        var customer = data.Customers.Where(c => c.Orders is >= 3 and <= 6).Select(c => c.Id).First();

        var folder = Environment.GetEnvironmentVariable("CONSOLE_SCREENSHOTS_DIR") is { Length: > 0 } dir
            ? dir
            : Directory.CreateTempSubdirectory("console-screenshots").FullName;
        Directory.CreateDirectory(folder);

        var signIn = await browser.NewPageAsync();
        await signIn.GotoAsync("/sign-in");
        await CaptureAsync(signIn, "Sign in", Path.Combine(folder, "sign-in.png"));

        var page = await browser.SignedInPageAsync(TestKeys.All);
        await CaptureAsync(page, "Overview", Path.Combine(folder, "overview.png"), "Apply");
        await Assertions.Expect(page.GetByTestId("trend-chart").Locator("svg").First).ToBeVisibleAsync();
        await page.GotoAsync($"/customers/{customer}");
        await CaptureAsync(page, "Customer 360", Path.Combine(folder, "customer-360.png"), "Find");
        // The operations page after a rebuild of the demo data, its progress bar at done.
        await page.GotoAsync("/operations");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Rebuild CustomerJourney…" })).ToBeEnabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Rebuild CustomerJourney…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Rebuild CustomerJourney now" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("rebuild")).ToHaveAttributeAsync("data-state", "completed", new() { Timeout = 60_000 });
        await CaptureAsync(page, "Operations", Path.Combine(folder, "operations.png"), "Rebuild CustomerJourney…");

        await page.GotoAsync("/funnel");
        await CaptureAsync(page, "Funnel", Path.Combine(folder, "funnel.png"), "Apply");
        await page.GotoAsync("/cohorts");
        await CaptureAsync(page, "Cohorts", Path.Combine(folder, "cohorts.png"), "Apply");

        // Value and risk reads the newest full-scope CLV fit, with a holdout so the model-quality chart has data.
        var api = browser.App.ClientWithKey(TestKeys.All);
        var until = DateOnly.FromDateTime(today.UtcDateTime);
        var fit = await ClvFitting.FitAsync(api, new JsonObject
        {
            ["calibrationEnd"] = until.AddDays(-90).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            ["holdoutEnd"] = until.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        }, acceptDegraded: true);
        await page.GotoAsync($"/value?snapshot={fit}");
        await CaptureAsync(page, "Value and risk", Path.Combine(folder, "value-and-risk.png"), "Apply");

        var bad = Json.Purchase(customer, -5m).ToJsonString();
        await api.PostAsync("/api/touchpoints", new StringContent(bad, System.Text.Encoding.UTF8, "application/json"));
        await page.GotoAsync("/operations/quarantine");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Search" })).ToBeEnabledAsync();
        await page.Locator("[data-testid='rejections'] tbody tr").First.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.GetByTestId("hex-dump")).ToBeVisibleAsync();
        await CaptureAsync(page, "Quarantine", Path.Combine(folder, "quarantine.png"));

        await page.GotoAsync("/operations/verify");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true })).ToBeEnabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("verify-report")).ToBeVisibleAsync();
        await CaptureAsync(page, "Verify", Path.Combine(folder, "verify.png"));

        await page.GotoAsync("/operations/what-if");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Compare" })).ToBeEnabledAsync();
        await page.GetByLabel("At risk after days without buying").FillAsync("45");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("shift-matrix")).ToBeVisibleAsync();
        await CaptureAsync(page, "What-if", Path.Combine(folder, "what-if.png"));

        // One page in Simplified Chinese, and one in the dark theme.
        await page.GotoAsync("/culture?culture=zh-Hans&returnUrl=/");
        await CaptureAsync(page, "概览", Path.Combine(folder, "overview-zh-hans.png"), "应用");
        await page.GotoAsync("/culture?culture=en&returnUrl=/cohorts");
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = ColorScheme.Dark });
        await page.ReloadAsync();
        await CaptureAsync(page, "Cohorts", Path.Combine(folder, "cohorts-dark.png"), "Apply");
    }

    private static async Task CaptureAsync(IPage page, string heading, string path, string? interactiveButton = null)
    {
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".rz-alert-danger")).ToHaveCountAsync(0);
        if (interactiveButton is not null)
        {
            // Charts are redrawn to the page's width once it is interactive (which enables its buttons).
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = interactiveButton })).ToBeEnabledAsync();
            await page.WaitForTimeoutAsync(1000);
        }

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 10_000, $"{path} is too small to show the page");
    }
}
