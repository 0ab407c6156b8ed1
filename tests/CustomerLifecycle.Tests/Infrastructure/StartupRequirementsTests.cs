using System.Diagnostics;
using System.Net;
using CustomerLifecycle.Infrastructure;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace CustomerLifecycle.Tests.Infrastructure;

public sealed class StartupRequirementsTests
{
    private const string Connection = "Host=db;Database=customer_lifecycle";

    private static HostingEnvironment In(string environment) => new HostingEnvironment { EnvironmentName = environment };

    private static IConfigurationRoot With(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();

    [Fact]
    public void Production_without_a_connection_string_names_the_setting()
    {
        var unmet = StartupRequirements.Unmet(In("Production"), With(("Auth:ApiKeys:0:Sha256", "abc")));

        Assert.StartsWith("ConnectionStrings:Marten is not set", unmet, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_without_an_api_key_names_the_setting()
    {
        var unmet = StartupRequirements.Unmet(In("Production"), With(("ConnectionStrings:Marten", Connection), ("Auth:ApiKeys:0:Name", "no hash")));

        Assert.StartsWith("Auth:ApiKeys has no key", unmet, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_with_a_store_and_a_key_may_start()
    {
        Assert.Null(StartupRequirements.Unmet(In("Production"), With(("ConnectionStrings:Marten", Connection), ("Auth:ApiKeys:0:Sha256", "abc"))));
        Assert.Null(StartupRequirements.Unmet(In("Staging"), With(("PrivatePostgres:Enabled", "true"), ("Auth:ApiKeys:0:Sha256", "abc"))));
    }

    [Fact]
    public void Development_runs_on_its_defaults_and_testing_needs_a_store()
    {
        Assert.Null(StartupRequirements.Unmet(In("Development"), With()));
        Assert.True(StartupRequirements.MayStartPrivatePostgres(In("Development"), With()));
        Assert.False(StartupRequirements.MayStartPrivatePostgres(In("Testing"), With()));
        Assert.Null(StartupRequirements.Unmet(In("Testing"), With(("ConnectionStrings:Marten", Connection))));
    }

    [Fact]
    public void The_api_reference_is_served_in_development_or_when_configured()
    {
        Assert.True(StartupRequirements.ServesApiReference(In("Development"), With()));
        Assert.False(StartupRequirements.ServesApiReference(In("Production"), With()));
        Assert.True(StartupRequirements.ServesApiReference(In("Production"), With(("ApiReference:Enabled", "true"))));
        Assert.False(StartupRequirements.ServesApiReference(In("Development"), With(("ApiReference:Enabled", "false"))));
    }

    [Fact]
    public async Task The_service_in_production_without_configuration_exits_non_zero_with_one_line()
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CustomerLifecycle.dll")])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        var lines = (await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("customer-lifecycle: cannot start: ConnectionStrings:Marten is not set", lines[0], StringComparison.Ordinal);
    }
}

/// <summary>The API reference stays unpublished unless configured.</summary>
public sealed class ApiReferenceOffHttpTests : IAsyncLifetime
{
    private readonly ReferenceOffApp app = new();

    private sealed class ReferenceOffApp : CustomerLifecycleApp
    {
        protected override IEnumerable<(string Key, string Value)> Settings => [("ApiReference:Enabled", "false")];
    }

    public Task InitializeAsync() => app.InitializeAsync();

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task Openapi_and_scalar_are_not_found_when_not_configured()
    {
        var anonymous = app.ClientWithKey(null);

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/scalar")).StatusCode);
    }
}
