using System.Diagnostics;
using System.Globalization;
using CustomerLifecycle.Infrastructure.CommandLine;
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

    [Description("The running service to send the log to (default http://localhost:5080)"), FlagAlias("url", true)]
    public string UrlFlag { get; set; } = "http://localhost:5080";

    [Description("API key with the ingest scope (default the Development key)"), FlagAlias("key", true)]
    public string KeyFlag { get; set; } = "dev-key-change-me";

    [Description("Write straight to the configured store instead of a running service (no size limit; with the private PostgreSQL, stop the service first)"), FlagAlias("direct", true)]
    public bool DirectFlag { get; set; }
}

/// <summary>
/// Imports a transaction log. By default it sends the file to the running service (<c>--url</c>, <c>--key</c>) in parts,
/// with a progress line per part and a summary, so it works while the service runs, as the README has it. With
/// <c>--direct</c> it runs the same import in-process against the configured store without starting the web host
/// (with the private PostgreSQL, only while the service is stopped: one process owns its data folder). A relative
/// path is read from the caller's folder. Problems are one line on stderr and a non-zero exit code.
/// </summary>
[Description("Import a transaction log (CDNOW format) as purchase_completed touchpoints", Name = "import-transactions")]
public sealed class ImportTransactionsCommand : JasperFxAsyncCommand<ImportTransactionsInput>
{
    public const string Origin = "cli:import-transactions";

    public override async Task<bool> Execute(ImportTransactionsInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = ImportOptions.Validate(input.SourceFlag, input.CurrencyFlag, input.CustomerPrefixFlag);
        var file = CallerPaths.Resolve(input.File);
        if (!System.IO.File.Exists(file))
        {
            errors["file"] = [$"'{file}' does not exist"];
        }

        if (!input.DirectFlag && !Uri.TryCreate(input.UrlFlag, UriKind.Absolute, out _))
        {
            errors["url"] = [$"'{input.UrlFlag}' is not an absolute http(s) URL, e.g. http://localhost:5080"];
        }

        if (errors.Count > 0)
        {
            foreach (var (field, messages) in errors)
            {
                await Console.Error.WriteLineAsync($"import-transactions: {field} {string.Join("; ", messages)}");
            }

            return false;
        }

        var options = new ImportOptions(input.SourceFlag, input.CurrencyFlag, input.CustomerPrefixFlag);
        return input.DirectFlag ? await ImportDirectlyAsync(input, file, options) : await UploadAsync(input, file, options);
    }

    private static async Task<bool> UploadAsync(ImportTransactionsInput input, string file, ImportOptions options)
    {
        using var client = new HttpClient { BaseAddress = new Uri(input.UrlFlag), Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Add("X-Api-Key", input.KeyFlag);
        await Console.Out.WriteLineAsync($"Importing {file} through {input.UrlFlag}");
        UploadOutcome outcome;
        try
        {
            outcome = await new TransactionLogUpload(client, Console.Out).RunAsync(file, options, CancellationToken.None);
        }
        catch (HttpRequestException ex)
        {
            outcome = UploadOutcome.Failed(
                $"no service answers at {input.UrlFlag} ({ex.HttpRequestError}): start it with `dotnet run --project src/CustomerLifecycle`, pass --url, or use --direct");
        }

        if (outcome.Error is { } error)
        {
            await Console.Error.WriteLineAsync($"import-transactions: {error}");
        }

        return outcome.Success;
    }

    private static async Task<bool> ImportDirectlyAsync(ImportTransactionsInput input, string file, ImportOptions options)
    {
        var host = input.BuildHost();
        try
        {
            var services = host.Services;
            await SchemaSetup.ApplyAsync(services.GetRequiredService<IDocumentStore>(), services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None);
            var importer = services.GetRequiredService<TransactionImporter>();
            using var reader = System.IO.File.OpenText(file);
            var watch = Stopwatch.StartNew();
            var report = await importer.ImportAsync(reader, options, Origin, Environment.UserName, CancellationToken.None);
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
