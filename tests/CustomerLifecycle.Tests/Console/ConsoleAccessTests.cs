using System.Globalization;
using System.Net;
using System.Net.Http.Json;
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

    [Theory]
    [InlineData("light")]
    [InlineData("dark")]
    public async Task Text_keeps_a_contrast_of_at_least_4_5_to_1_on_every_page(string scheme)
    {
        // Buyers in recent months, so the cohort heat map has cells of every strength to check.
        var api = browser.App.ClientWithKey(TestKeys.All);
        var month = DateTime.UtcNow.AddMonths(-4);
        var buyers = Enumerable.Range(0, 4).Select(_ => Json.NewId("c")).ToList();
        var purchases = buyers.SelectMany((customer, i) => Enumerable.Range(0, i + 1).Select(m => Json.Purchase(customer, occurredAt: At(month.AddMonths(m)))));
        var posted = await api.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch([.. purchases]));
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        await browser.App.WaitForProjectionsAsync();

        var page = await browser.SignedInPageAsync(TestKeys.All);
        await page.EmulateMediaAsync(new PageEmulateMediaOptions { ColorScheme = scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light });

        foreach (var path in AnalystPages.Concat(OperatorPages))
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            var poor = await page.EvaluateAsync<string[]>(ContrastCheck, "header a, header span, main h1, main h2, main p, main th, main td, main label, main dd, main pre");
            Assert.True(poor.Length == 0, $"{path} ({scheme}): text below 4.5:1: {string.Join("; ", poor)}");
        }
    }

    private static string At(DateTime day) => new DateTime(day.Year, day.Month, 10, 12, 0, 0, DateTimeKind.Utc).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    /// <summary>WCAG contrast of each visible text element against the first opaque background behind it.</summary>
    private const string ContrastCheck =
        """
        selector => {
          const parse = c => {
            let m = c.match(/^rgba?\(([^)]+)\)/);
            if (m) { const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return [p[0] / 255, p[1] / 255, p[2] / 255, p.length > 3 ? p[3] : 1]; }
            m = c.match(/^color\(srgb ([^)]+)\)/);
            if (m) { const p = m[1].split(/[\s\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; }
            return null;
          };
          const background = el => {
            for (let e = el; e; e = e.parentElement) {
              const c = parse(getComputedStyle(e).backgroundColor);
              if (c && c[3] > 0.5) return c;
            }
            return [1, 1, 1, 1];
          };
          const luminance = c => {
            const f = v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
            return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
          };
          return [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null && [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
            .map(e => {
              const fg = parse(getComputedStyle(e).color), bg = background(e);
              if (!fg) return null;
              const a = luminance(fg), b = luminance(bg);
              const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
              return ratio < 4.5 ? `${e.tagName} "${e.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)} (${getComputedStyle(e).color} on ${getComputedStyle(e).backgroundColor})` : null;
            })
            .filter(Boolean);
        }
        """;
}
