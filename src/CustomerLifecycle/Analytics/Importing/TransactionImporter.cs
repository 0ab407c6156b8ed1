using System.Text;
using System.Text.Json;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion.Recording;

namespace CustomerLifecycle.Analytics.Importing;

/// <summary>A line that was not recorded, with why; the line's text is in quarantine under <paramref name="RejectionId"/>.</summary>
public sealed record ImportedLineRejection(int Line, string Reason, IReadOnlyDictionary<string, string[]> Errors, long RejectionId);

/// <param name="Lines">Transaction lines read (blank lines and the header are not counted).</param>
/// <param name="Rejections">The first <see cref="TransactionImporter.MaxListedRejections"/> rejected lines.</param>
public sealed record ImportReport(
    string Source, string Currency, string? CustomerPrefix, int Lines, int Accepted, int Duplicates, int Rejected,
    IReadOnlyList<ImportedLineRejection> Rejections, bool RejectionsTruncated);

/// <summary>
/// Loads a transaction log through the front door's own path: every line becomes a touchpoint that the
/// <see cref="TouchpointParser"/> judges and the <see cref="TouchpointAppender"/> appends exactly once, so an imported
/// purchase is indistinguishable from a posted one, a re-import is all duplicates and a bad line is quarantined.
/// Lines go in batches of <see cref="BatchSize"/>, one transaction each: a failure part-way keeps the committed
/// batches, and running the import again finishes the rest.
/// </summary>
public sealed class TransactionImporter(TouchpointParser parser, TouchpointAppender appender, TimeProvider clock)
{
    public const int BatchSize = 1_000;
    public const int MaxListedRejections = 1_000;

    public async Task<ImportReport> ImportAsync(TextReader log, ImportOptions options, string endpoint, string? apiKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tally = new Tally();
        // Same-day purchases of one customer are told apart by their order in the log (see CdnowTouchpoints).
        var purchasesOfDay = new Dictionary<(string Customer, DateOnly Day), int>();
        var pending = new List<CdnowLine>(BatchSize);
        foreach (var line in CdnowTransactionLog.ReadLines(log))
        {
            pending.Add(line);
            if (pending.Count == BatchSize)
            {
                await AppendAsync(pending, options, purchasesOfDay, new RequestOrigin(endpoint, apiKey, clock.Now()), tally, ct);
                pending.Clear();
            }
        }

        if (pending.Count > 0)
        {
            await AppendAsync(pending, options, purchasesOfDay, new RequestOrigin(endpoint, apiKey, clock.Now()), tally, ct);
        }

        return new ImportReport(
            options.Source, options.Currency, options.CustomerPrefix, tally.Lines, tally.Accepted, tally.Duplicates, tally.Rejected,
            [.. tally.Listed.OrderBy(r => r.Line)], tally.Rejected > tally.Listed.Count);
    }

    private async Task AppendAsync(
        List<CdnowLine> lines, ImportOptions options, Dictionary<(string, DateOnly), int> purchasesOfDay, RequestOrigin origin, Tally tally, CancellationToken ct)
    {
        var valid = new List<ValidTouchpoint>(lines.Count);
        var rejections = new List<Rejection>();
        foreach (var line in lines)
        {
            // Quarantine keeps the line as it was in the file, which is what an operator will grep for.
            var text = Encoding.UTF8.GetBytes(line.Text);
            if (line.Transaction is not { } purchase)
            {
                rejections.Add(new Rejection(RejectionReasons.Validation, TouchpointParser.Errors("line", line.Problem!), text, line.LineNumber));
                continue;
            }

            var key = (CdnowTouchpoints.CustomerId(purchase, options), purchase.Date);
            var ordinal = purchasesOfDay[key] = purchasesOfDay.GetValueOrDefault(key) + 1;
            using var json = JsonDocument.Parse(CdnowTouchpoints.ToJson(purchase, ordinal, options));
            var (touchpoint, rejection) = parser.Parse(json.RootElement, origin.ReceivedAt, line.LineNumber);
            if (touchpoint is not null)
            {
                valid.Add(touchpoint with { Raw = text });
            }
            else
            {
                rejections.Add(rejection! with { Payload = text });
            }
        }

        var stored = await appender.AppendAsync(valid, rejections, origin, ct);
        tally.Lines += lines.Count;
        for (var k = 0; k < valid.Count; k++)
        {
            var outcome = stored.Touchpoints[k];
            switch (outcome.Status)
            {
                case AppendStatus.Accepted:
                    tally.Accepted++;
                    break;
                case AppendStatus.Duplicate:
                    tally.Duplicates++;
                    break;
                default:
                    tally.Reject(new ImportedLineRejection(
                        valid[k].ItemIndex!.Value, RejectionReasons.Conflict,
                        TouchpointParser.Errors("eventId", TouchpointAppender.ConflictMessage(valid[k].EventId)), outcome.RejectionId!.Value));
                    break;
            }
        }

        for (var r = 0; r < rejections.Count; r++)
        {
            tally.Reject(new ImportedLineRejection(rejections[r].ItemIndex!.Value, rejections[r].Reason, rejections[r].Errors, stored.RejectionIds[r]));
        }
    }

    private sealed class Tally
    {
        public int Lines { get; set; }

        public int Accepted { get; set; }

        public int Duplicates { get; set; }

        public int Rejected { get; private set; }

        public List<ImportedLineRejection> Listed { get; } = [];

        public void Reject(ImportedLineRejection rejection)
        {
            Rejected++;
            if (Listed.Count < MaxListedRejections)
            {
                Listed.Add(rejection);
            }
        }
    }
}
