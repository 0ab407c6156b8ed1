using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Analytics.Importing;
using CustomerLifecycle.Analytics.Models;
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
            var input = new ImportTransactionsInput { File = file, SourceFlag = "cdnow", CurrencyFlag = "USD", CustomerPrefixFlag = prefix, DirectFlag = true };
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
    public async Task An_upload_to_the_running_service_goes_in_parts_with_progress_and_names_rejected_lines_by_file_line()
    {
        var prefix = $"up{Guid.NewGuid():N}-";
        var file = Path.GetTempFileName();
        var lines = Enumerable.Range(1, TransactionLogUpload.PartLines + 10)
            .Select(i => $" {i % 2_600:00000} 19970{1 + (i % 9)}{1 + (i % 28):00}  1   {i % 50 + 1}.00")
            .Prepend(" customer_id  date number_of_cds  dollar_value")
            .Append(" 00007 19970101 2")
            .ToList();
        await File.WriteAllLinesAsync(file, lines);
        var output = new StringWriter();
        try
        {
            var outcome = await new TransactionLogUpload(app.ClientWithKey(TestKeys.Ingest), output)
                .RunAsync(file, new ImportOptions("cdnow", "USD", prefix), CancellationToken.None);

            Assert.False(outcome.Success);
            Assert.Equal("rejected lines: 1 (kept in quarantine: GET /api/ingestion/rejections)", outcome.Error);
        }
        finally
        {
            File.Delete(file);
        }

        var printed = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(printed.Count(l => l.Contains(" of 5,011 lines (", StringComparison.Ordinal)) >= 2, "a progress line per part");
        Assert.Contains(printed, l => l.StartsWith("  5,011 of 5,011 lines (100 %): 5,010 accepted", StringComparison.Ordinal));
        Assert.Contains(printed, l => l.StartsWith($"Imported 5,011 lines from {file}: 5,010 accepted, 0 duplicates (already recorded), 1 rejected", StringComparison.Ordinal));
        Assert.Contains(printed, l => l.StartsWith($"  line {lines.Count}: validation line expected 4", StringComparison.Ordinal));
    }

    [Fact]
    public void Parts_keep_each_customers_lines_together_in_file_order()
    {
        var lines = Enumerable.Range(1, 3 * TransactionLogUpload.PartLines)
            .Select(i => new CdnowLine(i, "", new CdnowTransaction((i % 7).ToString("00000", CultureInfo.InvariantCulture), null, new DateOnly(1997, 1, 1), 1, 1), null))
            .ToList();

        var parts = TransactionLogUpload.Parts(lines).ToList();

        Assert.Equal(lines.Count, parts.Sum(p => p.Count));
        Assert.All(lines.GroupBy(l => l.Transaction!.CustomerId), customer =>
        {
            var part = Assert.Single(parts, p => p.Contains(customer.First()));
            Assert.Equal(customer, part.Where(l => l.Transaction!.CustomerId == customer.Key));
        });
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
