using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Lifecycle.Journeys.Rebuilding;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Microsoft.Playwright;

namespace CustomerLifecycle.Tests.Console;

/// <summary>The real service on a loopback port (Kestrel) over its own PostgreSQL database.</summary>
public sealed class ConsoleServer : CustomerLifecycleApp
{
    public ConsoleServer() => UseKestrel(0);

    protected override Task<string> CreateDatabaseAsync() => TestPostgres.CreateDatabaseAsync("console");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // Outside Development, static web assets (the framework's and Radzen's) come from a published wwwroot; the
        // test host runs from the build output, so it reads them through the build's manifest as `dotnet run` does.
        builder.UseStaticWebAssets();
        // Rebuilds fold small chunks, so a rebuild of a few hundred demo customers reports progress many times.
        builder.ConfigureServices(services => services.AddSingleton(sp => new JourneyBulkRebuild(
            sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<RuleSet>(),
            sp.GetRequiredService<JourneyShards>(), sp.GetRequiredService<LiveProjectionAgents>(), sp.GetRequiredService<ILogger<JourneyBulkRebuild>>())
        {
            ChunkSize = 20,
        }));
    }

    public string BaseUrl => Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
        .Select(a => a.Replace("[::]", "127.0.0.1", StringComparison.Ordinal))
        .First(a => a.StartsWith("http://", StringComparison.Ordinal));
}

/// <summary>
/// Debian's Chromium, driven by Playwright, against <see cref="ConsoleServer"/>. Playwright's own browser download
/// cannot work offline, so the browser is the system one (CONSOLE_TESTS_CHROMIUM overrides its path); without it every
/// console test fails with a message saying how to install it.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    private IPlaywright? playwright;

    public ConsoleServer App { get; } = new();

    public IBrowser Browser { get; private set; } = default!;

    public static string ChromiumPath => Environment.GetEnvironmentVariable("CONSOLE_TESTS_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The console's browser tests need Chromium at {ChromiumPath}: install it with `apt-get install chromium` (.ci/run does), or set CONSOLE_TESTS_CHROMIUM to its path.");
        }

        await App.InitializeAsync();
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in CI containers cannot use Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        playwright?.Dispose();
        await App.DisposeAsync();
    }

    /// <summary>A fresh browser context (its own cookies) with a page on the console.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = App.BaseUrl, ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>Opens <paramref name="path"/>, is sent to the sign-in page, signs in with <paramref name="key"/> and lands back on it.</summary>
    public async Task<IPage> SignedInPageAsync(string key, string path = "/")
    {
        var page = await NewPageAsync();
        await page.GotoAsync(path);
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.Contains("/sign-in", StringComparison.Ordinal));
        return page;
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleBrowserGroup : ICollectionFixture<ConsoleBrowser>
{
    public const string Name = "console";
}
