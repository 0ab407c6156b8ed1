using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Ingestion;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 10: the service's memory is bounded by its limits, not by its clients. VmRSS (sampled every 100 ms) while
/// clients send maximum-size batches and single touchpoints, sixteen 30 MB bodies that must be refused, and while an
/// operator lists the whole quarantine; then idle again. Peak and idle are judged against the 1 GB target. /metrics is
/// read throughout, as an operator would: ingestion rate, rejections, group-commit sizes, projection lag.
/// </summary>
internal sealed class MemoryBoundsPhase : IPhase
{
    private const long TargetKiB = 1024 * 1024;
    private const int GiantBodies = 16;
    private const int GiantBodyBytes = 30 * 1000 * 1000;
    private const int RejectedBatches = 8;

    /// <summary>
    /// Back to idle: the RSS once the load has ended, the projection has folded the backlog and <see cref="IdleSettle"/>
    /// has passed is at most this much above the idle RSS before the load (room for warmed caches and pooled connections).
    /// </summary>
    private const long IdleSlackKiB = 100 * 1024;

    private static readonly TimeSpan IdleSettle = TimeSpan.FromSeconds(15);

    public int Number => 10;

    public string Title => "memory bounds: RSS through maximum batches, refused giant bodies and a full quarantine listing, and back to idle; /metrics during the run";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        var client = context.Service.Client;
        var limits = new IngestionLimits();
        await using var rss = new RssSampler(context.Service.Pid);
        var notes = new List<string>();

        var idleBefore = await IdleAsync(rss, TimeSpan.FromSeconds(5), ct);
        Console.WriteLine($"  idle at start: RSS {Mb(idleBefore)}");
        await BreakdownAsync("idle at start", context.Service.Pid, client, ct);
        var start = await ServiceMetrics.ScrapeAsync(client, ct);
        using var scraping = new CancellationTokenSource();
        var lags = new List<double>();
        var scraper = ScrapeLagAsync(client, lags, scraping.Token);

        // Maximum-size batches: as many items as a batch may hold, within its byte limit.
        var (bodies, perBatch) = MaximumBatches(context, limits, Math.Max(8, 2 * context.Options.Events / limits.MaxBatchItems));
        rss.Step();
        var batches = await context.MeasureAsync(
            "memory-max-batches", $"HTTP batch of {perBatch:N0} touchpoints (the maximum), 4 clients", perBatch,
            token => LoadRunner.RunAsync(4, bodies.Length, context.Options.MeasurementTimeLimit, async (i, t) =>
            {
                await IngestionCalls.PostBatchAsync(client, bodies[i], perBatch, t);
                context.CountAcknowledged(perBatch);
            }, token));
        var afterBatches = await ServiceMetrics.ScrapeAsync(client, ct);
        var batchPeak = rss.Step();
        await BreakdownAsync("after maximum batches", context.Service.Pid, client, ct);
        bodies = [];

        // Single touchpoints from 64 clients: the group commit's sizes show in append_size on /api/touchpoints.
        var singles = Enumerable.Range(0, context.Options.SingleEvents)
            .Select(i => TouchpointMix.SingleBody(context.Mix.EventId("mem1", i), context.Mix.Next(new Random(i), context.Mix.RandomCustomer(new Random(i)))))
            .ToArray();
        var single = await context.MeasureAsync(
            "memory-singles", "HTTP single touchpoints, 64 clients", 1,
            token => LoadRunner.RunAsync(64, singles.Length, TimeSpan.FromSeconds(10), async (i, t) =>
            {
                await IngestionCalls.PostOneAsync(client, singles[i], t);
                context.CountAcknowledged(1);
            }, token));
        var afterSingles = await ServiceMetrics.ScrapeAsync(client, ct);
        var singlesPeak = rss.Step();
        await BreakdownAsync("after singles", context.Service.Pid, client, ct);

        // Sixteen 30 MB bodies at once: over the batch limit, under the hard ceiling, so each is read and refused.
        var giant = GiantBody();
        var giantStatuses = await Task.WhenAll(Enumerable.Range(0, GiantBodies).Select(_ => PostRawAsync(client, giant, ct)));
        giant = [];
        var giantPeak = rss.Step();
        await BreakdownAsync("after giant bodies", context.Service.Pid, client, ct);
        var refused = giantStatuses.Count(s => s == HttpStatusCode.RequestEntityTooLarge);
        Console.WriteLine($"  {GiantBodies} bodies of {GiantBodyBytes / 1e6:0} MB at once: {refused} answered 413, others {string.Join(", ", giantStatuses.Where(s => s != HttpStatusCode.RequestEntityTooLarge).Select(s => (int)s))}; peak RSS {Mb(giantPeak)}");

        // Fill the quarantine with refused items.
        var invalid = Enumerable.Range(0, RejectedBatches).Select(b => InvalidBatch(context, b, limits.MaxBatchItems)).ToArray();
        var rejectedStatuses = await Task.WhenAll(invalid.Select(body => PostRawAsync(client, body, ct)));
        invalid = [];
        await scraping.CancelAsync();
        await scraper;
        var endLag = (await ServiceMetrics.ScrapeAsync(client, ct)).ProjectionLag;

        // The projection folds the backlog before the listing, so the listing's own memory shows on its own.
        var caughtUp = System.Diagnostics.Stopwatch.StartNew();
        while ((await ServiceMetrics.ScrapeAsync(client, ct)).ProjectionLag > 0 && caughtUp.Elapsed < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        var foldedIn = caughtUp.Elapsed;
        var end = await ServiceMetrics.ScrapeAsync(client, ct);
        var catchUpPeak = rss.Step();
        await BreakdownAsync("projection caught up", context.Service.Pid, client, ct);

        // The whole quarantine, page by page, as an operator would read it.
        var listing = await ListQuarantineAsync(client, ct);
        var listingPeak = rss.Step();
        await BreakdownAsync("after the listing", context.Service.Pid, client, ct);
        Console.WriteLine($"  quarantine listing: {listing.Rows:N0} rows in {listing.Pages} pages, {listing.Bytes / 1e6:0.0} MB of JSON in {listing.Seconds:0.0} s; peak RSS {Mb(listingPeak)} ({string.Join(", ", rejectedStatuses.Distinct().Select(s => (int)s))} for the {RejectedBatches} invalid batches)");

        var idleAfter = await IdleAsync(rss, IdleSettle, ct);
        await BreakdownAsync("idle after", context.Service.Pid, client, ct);
        var peak = rss.Peak;

        var rate = (afterBatches.Accepted - start.Accepted) / (afterBatches.At - start.At).TotalSeconds;
        var (batchAppends, batchTouchpoints) = Difference(start.Appends("/api/touchpoints/batch"), afterBatches.Appends("/api/touchpoints/batch"));
        var (groupCommits, groupTouchpoints) = Difference(afterBatches.Appends("/api/touchpoints"), afterSingles.Appends("/api/touchpoints"));
        var rejections = end.RejectedByReason()
            .Select(r => (r.Key, Count: r.Value - start.RejectedByReason().GetValueOrDefault(r.Key)))
            .Where(r => r.Count > 0)
            .Select(r => $"{(r.Key.Length == 0 ? "(none)" : r.Key)} {r.Count:N0}");
        notes.Add($"RSS idle {Mb(idleBefore)} before, peak {Mb(peak)} ({Verdict(peak)}): maximum batches {Mb(batchPeak)}, singles {Mb(singlesPeak)}, "
                  + $"{refused} of {GiantBodies} {GiantBodyBytes / 1e6:0} MB bodies refused with 413 {Mb(giantPeak)}, the projection's catch-up {Mb(catchUpPeak)} ({foldedIn.TotalSeconds:0} s to fold the backlog), "
                  + $"quarantine listing of {listing.Rows:N0} rows ({listing.Bytes / 1e6:0} MB) {Mb(listingPeak)}; idle {Mb(idleAfter)} {IdleSettle.TotalSeconds:0} s after that: "
                  + $"{(idleAfter <= idleBefore + IdleSlackKiB ? "PASS" : "MISS")} back to idle (at most {Mb(idleBefore + IdleSlackKiB)}: the idle before plus {Mb(IdleSlackKiB)})");
        notes.Add($"/metrics: accepted {rate:N0} touchpoints/s over the batch load (customer_lifecycle_touchpoints_total), "
                  + $"{batchTouchpoints / Math.Max(1, batchAppends):N0} touchpoints per batch append, {groupTouchpoints / Math.Max(1, groupCommits):0.0} per group commit of single posts ({groupCommits:N0} commits, customer_lifecycle_append_size), "
                  + $"rejected by reason: {string.Join(", ", rejections)}; projection lag max {(lags.Count == 0 ? 0 : lags.Max()):N0}, when the load ended {endLag:N0} events (customer_lifecycle_projection_lag); "
                  + $"{end.Families.Count} metric families exported");
        foreach (var note in notes)
        {
            Console.WriteLine($"  {note}");
        }

        Console.WriteLine($"  metric families: {string.Join(" ", end.Families.Order(StringComparer.Ordinal))}");
        return new PhaseReport(Number, Title, [batches, single with { Notes = notes }]) { Idle = (idleBefore, idleAfter, IdleSlackKiB) };
    }

    /// <summary>Where the memory is at this point: RSS by kind (/proc) beside the runtime's own figures (/metrics).</summary>
    private static async Task BreakdownAsync(string when, int pid, HttpClient client, CancellationToken ct)
    {
        var (anon, file, shared) = ProcFs.RssParts(pid);
        var metrics = await ServiceMetrics.ScrapeAsync(client, ct);
        Console.WriteLine($"    {when}: RSS anonymous {Mb(anon)}, files {Mb(file)}, shared (JIT-compiled code) {Mb(shared)}; {metrics.MemoryBreakdown()}");
    }

    private static string Verdict(long kib) => kib < TargetKiB ? "under the 1 GB target" : "OVER the 1 GB target";

    private static (double, double) Difference((double A, double B) before, (double A, double B) after) => (after.A - before.A, after.B - before.B);

    /// <summary>Waits <paramref name="settle"/>, then the median RSS of the next 3 s.</summary>
    private static async Task<long> IdleAsync(RssSampler rss, TimeSpan settle, CancellationToken ct)
    {
        await Task.Delay(settle, ct);
        var readings = new List<long>();
        for (var i = 0; i < 30; i++)
        {
            readings.Add(rss.Current);
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }

        readings.Sort();
        return readings[readings.Count / 2];
    }

    private static async Task ScrapeLagAsync(HttpClient client, List<double> lags, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var metrics = await ServiceMetrics.ScrapeAsync(client, stop);
                lock (lags)
                {
                    lags.Add(metrics.ProjectionLag);
                }

                await Task.Delay(TimeSpan.FromSeconds(1), stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Batches of as many touchpoints as fit both the item and the byte limit.</summary>
    private static (byte[][] Bodies, int PerBatch) MaximumBatches(PhaseContext context, IngestionLimits limits, int count)
    {
        var random = new Random(100);
        var perBatch = limits.MaxBatchItems;
        var bodies = new byte[count][];
        for (var b = 0; b < count; b++)
        {
            var items = Enumerable.Range(0, perBatch).Select(e => (context.Mix.EventId("mem", b * limits.MaxBatchItems + e), context.Mix.Next(random, context.Mix.RandomCustomer(random)))).ToList();
            var body = TouchpointMix.BatchBody(items);
            while (body.Length > limits.MaxBatchBytes)
            {
                perBatch = perBatch * limits.MaxBatchBytes / body.Length;
                body = TouchpointMix.BatchBody(items.Take(perBatch));
            }

            bodies[b] = body;
        }

        return (bodies, perBatch);
    }

    /// <summary>A 30 MB body that starts like a batch: the quarantine keeps its prefix, size and hash.</summary>
    private static byte[] GiantBody()
    {
        var body = new byte[GiantBodyBytes];
        var head = """{"touchpoints":[{"eventId":"giant","customerId":"giant","type":"page_viewed","data":{"note":" """u8;
        head.CopyTo(body);
        body.AsSpan(head.Length).Fill((byte)'x');
        "\"}}]}"u8.CopyTo(body.AsSpan(body.Length - 5));
        return body;
    }

    /// <summary>A full batch of items the rules refuse (an unknown type): each one is quarantined.</summary>
    private static byte[] InvalidBatch(PhaseContext context, int batch, int items)
    {
        var json = new StringBuilder("""{"touchpoints":[""");
        for (var i = 0; i < items; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $$$"""{"eventId":"{{{context.Mix.EventId("memq", batch * items + i)}}}","customerId":"cust-q{{{i}}}","type":"no_such_type","occurredAt":"2026-11-20T10:00:00Z","source":"bench","data":{"note":"{{{new string('q', 200)}}}"}}""");
        }

        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }

    private static async Task<HttpStatusCode> PostRawAsync(HttpClient client, byte[] body, CancellationToken ct)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await client.PostAsync(new Uri("/api/touchpoints/batch", UriKind.Relative), content, ct);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending a body it refused.
            return HttpStatusCode.RequestEntityTooLarge;
        }
    }

    private static async Task<(long Rows, int Pages, long Bytes, double Seconds)> ListQuarantineAsync(HttpClient client, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        long rows = 0, bytes = 0;
        var pages = 0;
        string? before = null;
        do
        {
            var page = await client.GetByteArrayAsync(new Uri($"/api/ingestion/rejections?limit=500{(before is null ? "" : $"&before={before}")}", UriKind.Relative), ct);
            pages++;
            bytes += page.Length;
            using var document = JsonDocument.Parse(page);
            rows += document.RootElement.GetProperty("items").GetArrayLength();
            before = document.RootElement.TryGetProperty("nextBefore", out var next) && next.ValueKind == JsonValueKind.Number
                ? next.GetInt64().ToString(CultureInfo.InvariantCulture)
                : null;
        }
        while (before is not null);

        return (rows, pages, bytes, (DateTime.UtcNow - started).TotalSeconds);
    }
}
