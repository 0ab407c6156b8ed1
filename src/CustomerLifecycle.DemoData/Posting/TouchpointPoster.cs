using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CustomerLifecycle.DemoData.Generation;

namespace CustomerLifecycle.DemoData.Posting;

/// <summary>One item the service refused, with its reasons as the batch answer gave them.</summary>
internal sealed record RejectedTouchpoint(int Index, string? EventId, string? Reason, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>How far posting got. <see cref="Failure"/> says why it stopped early, when it did for a reason other than rejections.</summary>
internal sealed record PostReport(
    int Total, int Sent, int Batches, int Accepted, int Duplicates, int Retries, IReadOnlyList<RejectedTouchpoint> Rejected, string? Failure)
{
    public bool Succeeded => Failure is null && Rejected.Count == 0 && Sent == Total;
}

internal sealed record PosterOptions
{
    public int BatchSize { get; init; } = 500;

    /// <summary>Tries per batch, the first included.</summary>
    public int MaxAttempts { get; init; } = 6;

    /// <summary>Longest wait between tries, whatever Retry-After asks for.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>
/// Posts touchpoints in order to POST /api/touchpoints/batch through a client that already carries the base address
/// and the API key. Every batch must come back without rejections (a 207 means the generator made something invalid,
/// so posting stops and names the items). 503, 429, 5xx and network failures are retried a bounded number of times,
/// waiting as long as Retry-After says; that is safe because a batch that was in fact stored returns as duplicates.
/// </summary>
internal sealed class TouchpointPoster(HttpClient client, PosterOptions? options = null, Func<TimeSpan, CancellationToken, Task>? delay = null)
{
    private const string RecordRoute = "/api/touchpoints/batch";
    private static readonly JsonSerializerOptions ReceiptJson = new(JsonSerializerDefaults.Web);
    private static readonly byte[] BatchStart = "{\"touchpoints\":["u8.ToArray();

    private readonly PosterOptions settings = options ?? new PosterOptions();
    private readonly Func<TimeSpan, CancellationToken, Task> wait = delay ?? Task.Delay;

    public async Task<PostReport> PostAsync(IReadOnlyList<GeneratedTouchpoint> touchpoints, Action<PostReport>? afterBatch = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(touchpoints);
        var report = new PostReport(touchpoints.Count, 0, 0, 0, 0, 0, [], null);
        for (var start = 0; start < touchpoints.Count; start += settings.BatchSize)
        {
            var batch = touchpoints.Skip(start).Take(settings.BatchSize).ToList();
            var (response, retries, failure) = await SendAsync(Body(batch), ct);
            report = report with { Retries = report.Retries + retries };
            if (response is null)
            {
                return report with { Failure = failure };
            }

            using (response)
            {
                if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.MultiStatus))
                {
                    var detail = await response.Content.ReadAsStringAsync(ct);
                    return report with { Failure = $"POST {RecordRoute} answered {(int)response.StatusCode} {response.ReasonPhrase}: {detail}" };
                }

                var receipt = await response.Content.ReadFromJsonAsync<BatchReceipt>(ReceiptJson, ct)
                    ?? throw new InvalidDataException("The batch answer was empty.");
                var rejected = receipt.Items
                    .Where(i => i.Status == "rejected")
                    .Select(i => new RejectedTouchpoint(start + i.Index, i.EventId, i.Reason, i.Errors))
                    .ToList();
                report = report with
                {
                    Sent = report.Sent + batch.Count,
                    Batches = report.Batches + 1,
                    Accepted = report.Accepted + receipt.Accepted,
                    Duplicates = report.Duplicates + receipt.Duplicates,
                    Rejected = rejected,
                };
            }

            afterBatch?.Invoke(report);
            if (report.Rejected.Count > 0)
            {
                return report;
            }
        }

        return report;
    }

    /// <summary>The batch body, written from the touchpoints' own JSON so the bytes sent are exactly the bytes generated.</summary>
    private static byte[] Body(List<GeneratedTouchpoint> batch)
    {
        using var body = new MemoryStream();
        body.Write(BatchStart);
        for (var i = 0; i < batch.Count; i++)
        {
            if (i > 0)
            {
                body.WriteByte((byte)',');
            }

            body.Write(Encoding.UTF8.GetBytes(batch[i].Json));
        }

        body.Write("]}"u8);
        return body.ToArray();
    }

    private async Task<(HttpResponseMessage? Response, int Retries, string? Failure)> SendAsync(byte[] body, CancellationToken ct)
    {
        string? lastProblem = null;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var response = await client.PostAsync(RecordRoute, content, ct);
                if (!IsTransient(response.StatusCode))
                {
                    return (response, attempt - 1, null);
                }

                retryAfter = RetryAfter(response.Headers.RetryAfter);
                lastProblem = $"{(int)response.StatusCode} {response.ReasonPhrase}";
                response.Dispose();
            }
            catch (HttpRequestException ex)
            {
                lastProblem = ex.Message;
            }
            catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
            {
                lastProblem = $"timed out: {ex.Message}";
            }

            if (attempt >= settings.MaxAttempts)
            {
                return (null, attempt - 1, $"gave up after {attempt} tries; last answer: {lastProblem}");
            }

            // Without Retry-After, back off exponentially: 1 s, 2 s, 4 s, …
            var backoff = retryAfter ?? TimeSpan.FromSeconds(Math.Pow(2, attempt - 1));
            await wait(backoff < settings.MaxDelay ? backoff : settings.MaxDelay, ct);
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError
            or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout;

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    private sealed record BatchReceipt(int Accepted, int Duplicates, int Rejected, IReadOnlyList<BatchItem> Items);

    private sealed record BatchItem(int Index, string? EventId, string Status, string? Reason, Dictionary<string, string[]>? Errors);
}
