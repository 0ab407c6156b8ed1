using CustomerLifecycle.Tests.Support;
using Microsoft.Playwright;

namespace CustomerLifecycle.Tests.Console;

/// <summary>Scopes on the new pages and downloads, and what keyboard and screen-reader users rely on, on every page.</summary>
[Collection(ConsoleBrowserGroup.Name)]
public class ConsoleAccessTests(ConsoleBrowser browser)
{
    private static readonly string[] AnalystPages = ["/", "/funnel", "/cohorts", "/value", "/customers"];
    private static readonly string[] OperatorPages = ["/operations", "/operations/quarantine", "/operations/verify", "/operations/what-if"];

    [Fact]
    public async Task A_read_key_is_refused_the_operator_pages_and_the_payload_download()
    {
        var page = await browser.SignedInPageAsync(TestKeys.Read);

        foreach (var path in OperatorPages)
        {
            await page.GotoAsync(path);
            Assert.Contains("/forbidden", page.Url, StringComparison.Ordinal);
        }

        var download = await page.APIRequest.GetAsync("/console/rejections/1/payload", new() { MaxRedirects = 0 });
        Assert.Equal(302, download.Status);
        Assert.Contains("/forbidden", download.Headers["location"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operate_only_key_is_refused_the_analyst_pages_and_the_csv_export()
    {
        var page = await browser.SignedInPageAsync(TestKeys.Operate, "/operations");

        foreach (var path in AnalystPages)
        {
            await page.GotoAsync(path);
            Assert.Contains("/forbidden", page.Url, StringComparison.Ordinal);
        }

        var export = await page.APIRequest.GetAsync("/console/churn-risk.csv", new() { MaxRedirects = 0 });
        Assert.Equal(302, export.Status);
        Assert.Contains("/forbidden", export.Headers["location"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_session_the_downloads_send_to_sign_in()
    {
        var page = await browser.NewPageAsync();

        var export = await page.APIRequest.GetAsync("/console/churn-risk.csv", new() { MaxRedirects = 0 });

        Assert.Equal(302, export.Status);
        Assert.Contains("/sign-in", export.Headers["location"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_page_starts_with_a_skip_link_and_labels_every_control()
    {
        var page = await browser.SignedInPageAsync(TestKeys.All);

        foreach (var path in AnalystPages.Concat(OperatorPages))
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();

            // The skip link is the first stop of the Tab order and takes keyboard users past the navigation.
            var first = await page.EvaluateAsync<string>(
                "() => document.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex=\"-1\"])').textContent");
            Assert.Equal("Skip to content", first);
            var skip = page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" });
            await skip.FocusAsync();
            await Assertions.Expect(skip).ToBeInViewportAsync();
            await page.Keyboard.PressAsync("Enter");
            await Assertions.Expect(page.Locator("#content")).ToBeFocusedAsync();

            var unlabelled = await page.EvaluateAsync<string[]>(
                """
                () => [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
                  .filter(e => e.labels.length === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
                  .map(e => e.outerHTML)
                """);
            Assert.True(unlabelled.Length == 0, $"{path}: controls without a label: {string.Join(" ", unlabelled)}");
        }
    }
}
