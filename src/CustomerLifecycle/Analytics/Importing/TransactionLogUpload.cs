using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Importing;

/// <summary>
/// Sends a transaction log to a running service's <c>POST /api/imports/transactions</c> in parts of about
/// <see cref="PartLines"/> lines, printing progress after each part and one summary at the end. A customer's lines
/// always travel in one part, in file order, so the event ids (which count same-day purchases in order) are the
/// ones a single upload of the whole file gives. Rejected lines are reported with their line numbers in the file.
/// </summary>
public sealed class TransactionLogUpload(HttpClient service, TextWriter output)
{
    public const int PartLines = 5_000;
    private const int ListedRejections = 20;

    // The service skips a first line whose first field is not numeric, so every part starts with this header and a
    // malformed first line is still judged (and numbered) like any other.
    private const string Header = "customer date cds dollars";

    /// <summary>Uploads the file; the outcome says whether every line was recorded, and if not, why in one line.</summary>
    public async Task<UploadOutcome> RunAsync(string file, ImportOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        List<CdnowLine> lines;
        using (var reader = File.OpenText(file))
        {
            lines = [.. CdnowTransactionLog.ReadLines(reader)];
        }

        var query = $"?source={Uri.EscapeDataString(options.Source)}&currency={Uri.EscapeDataString(options.Currency)}"
                    + (options.CustomerPrefix is { } prefix ? $"&customerPrefix={Uri.EscapeDataString(prefix)}" : "");
        var total = new Totals();
        var sent = 0;
        foreach (var part in Parts(lines))
        {
            var body = new StringBuilder(Header).Append('\n');
            foreach (var line in part)
            {
                body.Append(line.Text).Append('\n');
            }

            using var content = new StringContent(body.ToString(), Encoding.UTF8, "text/plain");
            using var response = await service.PostAsync(ImportTransactions.Route + query, content, ct);
            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.MultiStatus))
            {
                return UploadOutcome.Failed(await RefusalAsync(response, ct));
            }

            var report = (await response.Content.ReadFromJsonAsync<ImportReport>(JsonSerializerOptions.Web, ct))!;
            total.Add(report, part);
            sent += part.Count;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {sent:N0} of {lines.Count:N0} lines ({100L * sent / Math.Max(lines.Count, 1)} %): {total.Accepted:N0} accepted, {total.Duplicates:N0} duplicates, {total.Rejected:N0} rejected"));
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Imported {lines.Count:N0} lines from {file}: {total.Accepted:N0} accepted, {total.Duplicates:N0} duplicates (already recorded), {total.Rejected:N0} rejected"));
        foreach (var (line, reason) in total.Rejections.Take(ListedRejections))
        {
            await output.WriteLineAsync($"  line {line}: {reason}");
        }

        return total.Rejected == 0 ? UploadOutcome.Succeeded : UploadOutcome.Failed($"rejected lines: {total.Rejected} (kept in quarantine: GET /api/ingestion/rejections)");
    }

    /// <summary>Consecutive parts of about <see cref="PartLines"/> lines; each customer's lines together, in file order.</summary>
    internal static IEnumerable<List<CdnowLine>> Parts(IReadOnlyList<CdnowLine> lines)
    {
        var part = new List<CdnowLine>();
        foreach (var customer in lines.GroupBy(l => l.Transaction?.CustomerId, StringComparer.Ordinal))
        {
            if (part.Count >= PartLines)
            {
                yield return part;
                part = [];
            }

            part.AddRange(customer);
        }

        if (part.Count > 0)
        {
            yield return part;
        }
    }

    private static async Task<string> RefusalAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        JsonObject? problem = null;
        try
        {
            problem = await response.Content.ReadFromJsonAsync<JsonObject>(ct);
        }
        catch (JsonException)
        {
        }

        var errors = problem?["errors"] is JsonObject fields
            ? ": " + string.Join("; ", fields.Select(f => $"{f.Key} {string.Join(", ", f.Value?.AsArray().Select(m => (string?)m) ?? [])}"))
            : problem?["detail"] is { } detail ? ": " + (string?)detail : "";
        return response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "the service refused the API key (401): pass --key with a key that has the ingest scope",
            HttpStatusCode.Forbidden => "the API key lacks the ingest scope (403): pass --key with a key that has it",
            _ => $"the service answered {status} {(string?)problem?["title"] ?? response.ReasonPhrase}{errors}",
        };
    }

    private sealed class Totals
    {
        public int Accepted { get; private set; }

        public int Duplicates { get; private set; }

        public int Rejected { get; private set; }

        public List<(int Line, string Reason)> Rejections { get; } = [];

        public void Add(ImportReport report, List<CdnowLine> part)
        {
            Accepted += report.Accepted;
            Duplicates += report.Duplicates;
            Rejected += report.Rejected;
            // The part's line n is the file's line part[n - 2]: line 1 is the header.
            Rejections.AddRange(report.Rejections.Select(r => (
                r.Line - 2 is var i && i >= 0 && i < part.Count ? part[i].LineNumber : r.Line,
                $"{r.Reason} {string.Join("; ", r.Errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}"))}".TrimEnd())));
        }
    }
}

/// <summary>How an upload ended: success, or one line saying what went wrong.</summary>
public sealed record UploadOutcome(bool Success, string? Error)
{
    public static UploadOutcome Succeeded { get; } = new(true, null);

    public static UploadOutcome Failed(string error) => new(false, error);
}
