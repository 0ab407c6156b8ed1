using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using Microsoft.Playwright;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 11: each web console page's first render over the history phase 7 restored (after phase 6, on the same data
/// and with its CLV snapshot), in Chromium driven by Playwright, signed in with the bench's key. A render is timed from
/// the navigation's start until the page shows its tables and charts with their data and takes input (its
/// buttons are enabled once the page is interactive; Radzen draws its charts only then). Every sample opens a fresh
/// browser context, so nothing is cached and each is a new circuit, as for a reader who opens the page.
/// </summary>
internal sealed class ConsoleRenderPhase : IPhase
{
    public static readonly TimeSpan Target = TimeSpan.FromSeconds(1);

    public int Number => 11;

    public string Title => "web console: each page's first render in Chromium over the restored history (target < 1 s)";

    /// <param name="Ready">Selectors that must all be in the page, and visible, when it counts as rendered (a chart's
    /// drawn series are its visible paths; its clip paths are hidden).</param>
    /// <param name="Button">The button that is enabled once the page is interactive.</param>
    private sealed record ConsolePage(string Key, string Name, Func<Random, string> Path, string[] Ready, string Button);

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        if (context.Population is not { } population)
        {
            const string reason = "not measured — phase 7 restored no history to render";
            Console.WriteLine($"  {reason}");
            return new PhaseReport(Number, Title, [], reason);
        }

        var chromium = Environment.GetEnvironmentVariable("CONSOLE_TESTS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            var reason = $"not measured — no Chromium at {chromium} (apt-get install chromium, or set CONSOLE_TESTS_CHROMIUM)";
            Console.WriteLine($"  {reason}");
            return new PhaseReport(Number, Title, [], reason);
        }

        string Customer(Random r) => Uri.EscapeDataString(population.CustomerId(r.Next(population.Customers)));
        ConsolePage[] pages =
        [
            new("render-overview", "Overview", _ => "/",
                ["[data-testid='stage-counts'] tbody tr", "[data-testid='headline-revenue']", "[data-testid='trend-chart'] svg path:visible", "[data-testid='stage-flows'] tbody tr", "[data-testid='flows-chart'] svg"], "Apply"),
            new("render-funnel", "Funnel", _ => "/funnel", ["[data-testid='funnel-steps'] tbody tr", "[data-testid='funnel-chart'] svg path:visible"], "Apply"),
            new("render-cohorts", "Cohorts", _ => "/cohorts", ["[data-testid='heat-map'] tbody tr"], "Apply"),
            new("render-value", "Value and risk", _ => "/value",
                ["[data-testid='segments'] tbody tr", "[data-testid='churn-risk'] tbody tr", "[data-testid='clv-distribution'] svg"], "Apply"),
            new("render-customer", "Customer 360", r => $"/customers/{Customer(r)}", ["[data-testid='customer-stage']", "[data-testid='timeline'] tbody tr"], "Find"),
            new("render-operations", "Operations", _ => "/operations", ["[data-testid='projections'] tbody tr"], "Rebuild CustomerJourney…"),
            new("render-quarantine", "Quarantine", _ => "/operations/quarantine", ["[data-testid='rejections'], [data-testid='no-rejections']"], "Search"),
            new("render-verify", "Verify", _ => "/operations/verify", ["form, [role='search'], h1"], "Verify"),
            new("render-what-if", "What-if", _ => "/operations/what-if", ["h1"], "Compare"),
        ];

        // The value-and-risk page reads the newest completed full-scope CLV fit (phase 6 fits one); without it the page
        // only says so.
        var snapshots = await context.Service.Client.GetFromJsonAsync<JsonObject>("/api/analytics/clv/snapshots", context.Cancellation);
        if (snapshots?["snapshots"]?.AsArray().Any(s => (string?)s?["status"] == "completed" && (bool?)s?["fullScope"] == true) != true)
        {
            Console.WriteLine("  value and risk: not measured — no completed full-scope CLV snapshot (phase 6's fit did not complete)");
            pages = [.. pages.Where(p => p.Key != "render-value")];
        }

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Root in containers cannot use Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
        var baseUrl = context.Service.BaseAddress.ToString().TrimEnd('/');
        var session = await SignInAsync(browser, baseUrl, context.Service.ApiKey);
        var samples = context.Options.Quick ? 3 : 10;
        var timeout = TimeSpan.FromSeconds(30);
        var measurements = new List<Measurement>();
        foreach (var page in pages)
        {
            var random = new Random(page.Key.Length);
            // One unmeasured render: the service's first request to a page compiles its components and queries.
            try
            {
                _ = await RenderAsync(browser, baseUrl, session, page, page.Path(random), timeout, context.Cancellation);
            }
            catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
            {
                Console.WriteLine($"  {page.Name}: the warm-up render failed: {ex.Message.Split('\n')[0]}");
            }

            var paths = Enumerable.Range(0, samples).Select(_ => page.Path(random)).ToArray();
            // The load runner times each sample whole (browser context opened and closed); the renders are timed alone.
            var renders = new List<double>();
            measurements.Add(await context.MeasureAsync(
                page.Key, $"console page: {page.Name}", 0,
                token => LoadRunner.RunAsync(
                    1, paths.Length, context.Options.MeasurementTimeLimit,
                    async (i, t) => renders.Add((await RenderAsync(browser, baseUrl, session, page, paths[i], timeout, t)).TotalMilliseconds), token),
                m =>
                {
                    var rendered = m with { Latencies = new Latencies([.. renders]), LatencyOf = "first render" };
                    return Task.FromResult(rendered with { Notes = [Verdict(page, rendered)] });
                }));
        }

        if (measurements.Count > 0)
        {
            measurements[0] = measurements[0] with
            {
                Notes =
                [
                    .. measurements[0].Notes,
                    $"over {Count(population.Customers)} customers' journeys rebuilt in phase 7; Chromium headless ({chromium}), each render in a fresh browser context (no cache, a new circuit); "
                    + "timed from navigation until the page's tables and charts are drawn and its buttons enabled; the bench's CPU includes the browser's",
                ],
            };
        }

        return new PhaseReport(Number, Title, measurements);
    }

    /// <summary>PASS when the slowest render of the page stayed under the target.</summary>
    private static string Verdict(ConsolePage page, Measurement m)
    {
        if (!m.Valid || m.Load.Operations == 0)
        {
            return $"GET {page.Path(new Random(1))}: first render not judged ({m.Load.Failures} renders failed; first: {m.Load.FirstFailure?.Split('\n')[0]})";
        }

        var slowest = m.Latencies.Max;
        var verdict = slowest < Target.TotalMilliseconds ? "PASS" : "MISS";
        return string.Create(CultureInfo.InvariantCulture,
            $"GET {page.Path(new Random(1))}: first render p50 {Ms(m.Latencies.Percentile(50))}, slowest {Ms(slowest)} of {m.Load.Operations}: {verdict} (every render < {Target.TotalSeconds:0} s)");
    }

    /// <summary>Signs in through the sign-in form once; every render's context starts from this session cookie.</summary>
    private static async Task<string> SignInAsync(IBrowser browser, string baseUrl, string apiKey)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = baseUrl });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/sign-in");
        await page.GetByLabel("API key").FillAsync(apiKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/sign-in", StringComparison.Ordinal), new() { Timeout = 60_000 });
        return await context.StorageStateAsync();
    }

    /// <summary>Opens the page in a fresh context and answers how long it took from navigation to rendered and interactive.</summary>
    private static async Task<TimeSpan> RenderAsync(IBrowser browser, string baseUrl, string session, ConsolePage page, string path, TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            StorageState = session,
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        context.SetDefaultTimeout((float)timeout.TotalMilliseconds);
        var tab = await context.NewPageAsync();
        var started = Stopwatch.StartNew();
        await tab.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Commit });
        if (tab.Url.Contains("/sign-in", StringComparison.Ordinal) || tab.Url.Contains("/forbidden", StringComparison.Ordinal))
        {
            throw new BenchException($"{path} sent the bench's session to {tab.Url}");
        }

        foreach (var selector in page.Ready)
        {
            await tab.Locator(selector).First.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        }

        await Assertions.Expect(tab.GetByRole(AriaRole.Button, new() { Name = page.Button, Exact = true }).First).ToBeEnabledAsync(new() { Timeout = (float)timeout.TotalMilliseconds });
        var rendered = started.Elapsed;
        await tab.CloseAsync();
        return rendered;
    }
}
