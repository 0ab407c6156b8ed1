using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Analytics.Importing;
using CustomerLifecycle.Tests.Support;
using JasperFx.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CustomerLifecycle.Tests.Analytics.Importing;

[Collection(AppFixtureGroup.Name)]
public class ImportTransactionsCommandTests(CustomerLifecycleApp app)
{
    [Fact]
    public void The_command_is_found_in_the_application_and_reads_its_flags()
    {
        var factory = new CommandFactory();
        factory.RegisterCommands(typeof(ImportTransactionsCommand).Assembly);

        var run = factory.BuildRun(["import-transactions", "CDNOW_master.txt", "--source", "cdnow", "--currency", "USD", "--customer-prefix", "p-"]);

        Assert.IsType<ImportTransactionsCommand>(run.Command);
        var input = Assert.IsType<ImportTransactionsInput>(run.Input);
        Assert.Equal(("CDNOW_master.txt", "cdnow", "USD", "p-"), (input.File, input.SourceFlag, input.CurrencyFlag, input.CustomerPrefixFlag));
    }

    [Fact]
    public async Task The_command_imports_a_file_through_the_services_own_ingestion()
    {
        var prefix = $"cli{Guid.NewGuid():N}-";
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n");
        try
        {
            var input = new ImportTransactionsInput { File = file, SourceFlag = "cdnow", CurrencyFlag = "USD", CustomerPrefixFlag = prefix };
            input.HostBuilder = new RunningHost(app.Services);

            Assert.True(await new ImportTransactionsCommand().Execute(input));
        }
        finally
        {
            File.Delete(file);
        }

        var stream = (await app.ClientWithKey(TestKeys.Read).GetFromJsonAsync<JsonObject>($"/api/customers/{prefix}00004/events"))!;
        Assert.Equal(2, (int)stream["streamVersion"]!);
    }

    [Fact]
    public async Task A_missing_file_fails_before_touching_the_store()
    {
        var input = new ImportTransactionsInput { File = "/nonexistent/log.txt", SourceFlag = "cdnow", CurrencyFlag = "USD" };

        Assert.False(await new ImportTransactionsCommand().Execute(input));
    }

    /// <summary>Hands the command the test service's host, and keeps it alive when the command disposes it.</summary>
    private sealed class RunningHost(IServiceProvider services) : IHostBuilder, IHost
    {
        public IDictionary<object, object> Properties { get; } = new Dictionary<object, object>();

        public IServiceProvider Services => services;

        public IHost Build() => this;

        public IHostBuilder ConfigureAppConfiguration(Action<HostBuilderContext, IConfigurationBuilder> configureDelegate) => this;

        public IHostBuilder ConfigureContainer<TContainerBuilder>(Action<HostBuilderContext, TContainerBuilder> configureDelegate) => this;

        public IHostBuilder ConfigureHostConfiguration(Action<IConfigurationBuilder> configureDelegate) => this;

        public IHostBuilder ConfigureServices(Action<HostBuilderContext, IServiceCollection> configureDelegate) => this;

        public IHostBuilder UseServiceProviderFactory<TContainerBuilder>(IServiceProviderFactory<TContainerBuilder> factory)
            where TContainerBuilder : notnull => this;

        public IHostBuilder UseServiceProviderFactory<TContainerBuilder>(Func<HostBuilderContext, IServiceProviderFactory<TContainerBuilder>> factory)
            where TContainerBuilder : notnull => this;

        public Task StartAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
