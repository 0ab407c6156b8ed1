using System.Net.Http.Headers;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.CommandLine;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace CustomerLifecycle.Tests.Support;

/// <summary>API keys the test host accepts, one per scope plus one with all.</summary>
public static class TestKeys
{
    public const string Ingest = "test-key-ingest";
    public const string Read = "test-key-read";
    public const string Operate = "test-key-operate";
    public const string All = "test-key-all";

    public static readonly (string Key, string[] Scopes)[] Configured =
    [
        (Ingest, [Scopes.Ingest]),
        (Read, [Scopes.Read]),
        (Operate, [Scopes.Operate]),
        (All, Scopes.All),
    ];
}

/// <summary>The real service over a real PostgreSQL database of its own, in process.</summary>
public class CustomerLifecycleApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    static CustomerLifecycleApp()
    {
        // Program ends in RunJasperFxCommands, which only starts the host when told to under a test host.
        JasperFxEnvironment.AutoStartHost = true;
    }

    public string ConnectionString { get; private set; } = "";

    protected virtual Task<string> CreateDatabaseAsync() => TestPostgres.CreateDatabaseAsync("app");

    public async Task InitializeAsync()
    {
        ConnectionString = await CreateDatabaseAsync();
        _ = Services; // boot now, so the first test doesn't pay for it inside its own timing
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await TestPostgres.DropDatabaseAsync(ConnectionString);
    }

    /// <summary>
    /// False for a variant that runs Wolverine as production does (leader election, agent assignment and health checks
    /// through the database, nodes talking over its control queue); the default single-node mode starts the projection
    /// at once.
    /// </summary>
    protected virtual bool RunsSolo => true;

    /// <summary>Settings a variant of the app adds on top of the test defaults.</summary>
    protected virtual IEnumerable<(string Key, string Value)> Settings => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Marten", ConnectionString);
        // Tests move the lifecycle clock themselves (LifecycleSweep.SweepAsync), so the background sweep is off.
        builder.UseSetting("Lifecycle:SweepInterval", "00:00:00");
        // Tests queue their own fits (scoped to their own customers); a scheduled full refit would only add load.
        builder.UseSetting("Analytics:Clv:RefitInterval", "00:00:00");
        // The test host is not Development: the API reference is served when configured, as in production.
        builder.UseSetting("ApiReference:Enabled", "true");
        for (var i = 0; i < TestKeys.Configured.Length; i++)
        {
            var (key, scopes) = TestKeys.Configured[i];
            builder.UseSetting($"Auth:ApiKeys:{i}:Name", key);
            builder.UseSetting($"Auth:ApiKeys:{i}:Sha256", ApiKeyAuthenticationHandler.Hash(key));
            for (var s = 0; s < scopes.Length; s++)
            {
                builder.UseSetting($"Auth:ApiKeys:{i}:Scopes:{s}", scopes[s]);
            }
        }

        // Last, so a variant can override the defaults above.
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services =>
        {
            if (RunsSolo)
            {
                services.RunWolverineInSoloMode();
                services.DisableAllExternalWolverineTransports();
            }
        });
    }

    /// <summary>Waits until the asynchronous projections have caught up with everything appended so far.</summary>
    public Task WaitForProjectionsAsync() => Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));

    /// <summary>Ticks the lifecycle clock to <paramref name="asOf"/> and waits for the journals to follow.</summary>
    public async Task SweepAsync(DateTimeOffset asOf)
    {
        await WaitForProjectionsAsync();
        await Services.GetRequiredService<LifecycleSweep>().SweepAsync(asOf, CancellationToken.None);
        await WaitForProjectionsAsync();
    }

    public HttpClient ClientWithKey(string? key)
    {
        var client = CreateClient();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }
}

[CollectionDefinition(Name)]
public sealed class AppFixtureGroup : ICollectionFixture<CustomerLifecycleApp>
{
    public const string Name = "app";
}
