using System.Diagnostics;
using System.Globalization;
using CustomerLifecycle.Infrastructure.Store;
using JasperFx.CommandLine;
using Marten;
using Npgsql;

namespace CustomerLifecycle.Analytics.Importing;

public sealed class ImportTransactionsInput : NetCoreInput
{
    [Description("The transaction log to import, in the CDNOW format (CDNOW_master.txt, CDNOW_sample.txt)")]
    public string File { get; set; } = "";

    [Description("Touchpoint source of the purchases, e.g. cdnow"), FlagAlias("source", true)]
    public string SourceFlag { get; set; } = "";

    [Description("Currency of the amounts, e.g. USD"), FlagAlias("currency", true)]
    public string CurrencyFlag { get; set; } = "";

    [Description("Prepended to every customer id (keeps this import's customers apart)"), FlagAlias("customer-prefix", true)]
    public string? CustomerPrefixFlag { get; set; }
}

/// <summary>
/// The same import as POST /api/imports/transactions, in-process and without a size limit. It uses the service's own
/// parser and appender against the configured store but does not start the web host: a running service projects the
/// new events as usual (with the private PostgreSQL, stop the service first: one process owns its data folder).
/// </summary>
[Description("Import a transaction log (CDNOW format) as purchase_completed touchpoints", Name = "import-transactions")]
public sealed class ImportTransactionsCommand : JasperFxAsyncCommand<ImportTransactionsInput>
{
    public const string Origin = "cli:import-transactions";

    public override async Task<bool> Execute(ImportTransactionsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = ImportOptions.Validate(input.SourceFlag, input.CurrencyFlag, input.CustomerPrefixFlag);
        if (!System.IO.File.Exists(input.File))
        {
            errors["file"] = [$"'{input.File}' does not exist"];
        }

        if (errors.Count > 0)
        {
            foreach (var (field, messages) in errors)
            {
                await Console.Error.WriteLineAsync($"{field}: {string.Join("; ", messages)}");
            }

            return false;
        }

        var host = input.BuildHost();
        try
        {
            var services = host.Services;
            await SchemaSetup.ApplyAsync(services.GetRequiredService<IDocumentStore>(), services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None);
            var importer = services.GetRequiredService<TransactionImporter>();
            using var reader = System.IO.File.OpenText(input.File);
            var watch = Stopwatch.StartNew();
            var report = await importer.ImportAsync(
                reader, new ImportOptions(input.SourceFlag, input.CurrencyFlag, input.CustomerPrefixFlag), Origin, Environment.UserName, CancellationToken.None);
            watch.Stop();
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{report.Lines} lines in {watch.Elapsed.TotalSeconds:0.0} s ({report.Lines / Math.Max(watch.Elapsed.TotalSeconds, 1e-3):0} lines/s): "
                + $"{report.Accepted} accepted, {report.Duplicates} duplicates, {report.Rejected} rejected"));
            foreach (var rejection in report.Rejections.Take(20))
            {
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  line {rejection.Line}: {rejection.Reason} {string.Join("; ", rejection.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"))} (quarantine id {rejection.RejectionId})"));
            }

            return report.Rejected == 0;
        }
        finally
        {
            // The private PostgreSQL is an async-disposable singleton: only an async dispose stops it cleanly.
            if (host is IAsyncDisposable asyncHost)
            {
                await asyncHost.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }
    }
}
