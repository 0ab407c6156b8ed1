using System.Text.Json;
using System.Text.Unicode;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Wolverine.Http;

namespace CustomerLifecycle.Ingestion.Recording;

/// <summary>The answer for one touchpoint: accepted now, or a duplicate of one accepted earlier.</summary>
public sealed record TouchpointReceipt(string EventId, string CustomerId, string Status, DateTimeOffset RecordedAt, long? Sequence, long? Version);

public sealed record BatchItemResult(
    int Index,
    string? EventId,
    string Status,
    DateTimeOffset? RecordedAt = null,
    long? Sequence = null,
    long? Version = null,
    string? Reason = null,
    IReadOnlyDictionary<string, string[]>? Errors = null,
    long? RejectionId = null);

public sealed record BatchReceipt(int Accepted, int Duplicates, int Rejected, IReadOnlyList<BatchItemResult> Items);

/// <summary>
/// The front door. Both endpoints read the raw body themselves (rather than letting a model binder do it) so that
/// malformed or oversized payloads are still quarantined byte for byte, and a batch is judged item by item.
/// Every 2xx is sent after the transaction that holds the event has committed.
/// </summary>
public static class RecordTouchpoints
{
    public const string OneRoute = "/api/touchpoints";
    public const string BatchRoute = "/api/touchpoints/batch";

    [WolverinePost(OneRoute, Name = "RecordTouchpoint"), Authorize(Policy = Scopes.Ingest), Tags("Ingestion")]
    [EndpointSummary("Record one touchpoint")]
    [JsonRequestBody(typeof(TouchpointSubmission))]
    [ProducesResponseType<ProblemDetails>(415, "application/problem+json")]
    [ProducesResponseType<TouchpointReceipt>(201), ProducesResponseType<TouchpointReceipt>(200)]
    [ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(409, "application/problem+json"), ProducesResponseType<ProblemDetails>(413, "application/problem+json")]
    public static async Task<IResult> Post(HttpContext http, TouchpointParser parser, TouchpointAppender appender, GroupCommit groupCommit, TimeProvider clock, CancellationToken ct)
    {
        var origin = new RequestOrigin(OneRoute, http.User.Identity?.Name, clock.Now());
        var limit = parser.Limits.MaxEventBytes;
        var received = await RequestBody.ReadAsync(http.Request, Math.Max(limit, parser.Limits.QuarantinePrefixBytes), parser.Limits.QuarantinePrefixBytes, ct);
        if (await RefuseNonJsonAsync(http, received, parser.Limits, appender, origin, ct) is { } refused)
        {
            return refused;
        }

        if (received.TotalBytes > limit)
        {
            var id = await appender.QuarantineAsync(
                Kept(new Rejection(RejectionReasons.TooLarge, TouchpointParser.Errors("$", $"a touchpoint may be at most {limit} bytes; this one is {received.TotalBytes}"), default),
                    received, parser.Limits),
                origin, ct);
            return Problem(413, "Touchpoint too large", $"A touchpoint may be at most {limit} bytes of JSON; this request has {received.TotalBytes}.", id);
        }

        var body = received.Kept;
        if (!TryParseJson(body, out var document, out var jsonError))
        {
            var id = await appender.QuarantineAsync(new Rejection(RejectionReasons.MalformedJson, TouchpointParser.Errors("$", jsonError), body), origin, ct);
            return ValidationProblem(TouchpointParser.Errors("$", jsonError), "The body is not valid JSON", id);
        }

        using (document)
        {
            var (touchpoint, rejection) = parser.Parse(document.RootElement, origin.ReceivedAt);
            if (rejection is not null)
            {
                var stored = await appender.AppendAsync([], [rejection with { Payload = body.ToArray() }], origin, ct);
                return ValidationProblem(rejection.Errors, "The touchpoint is invalid", stored.RejectionIds[0]);
            }

            var outcome = await groupCommit.AppendAsync(touchpoint!, origin);
            var receipt = new TouchpointReceipt(touchpoint!.EventId, touchpoint.CustomerId, Describe(outcome.Status), outcome.RecordedAt, outcome.Sequence, outcome.Version);
            return outcome.Status switch
            {
                AppendStatus.Accepted => Results.Created($"/api/customers/{Uri.EscapeDataString(touchpoint.CustomerId)}/events", receipt),
                AppendStatus.Duplicate => Results.Ok(receipt),
                _ => Problem(409, "Event id already used for different content",
                    $"Event '{touchpoint.EventId}' was already recorded with different content. An event id names one event, forever.", outcome.RejectionId),
            };
        }
    }

    [WolverinePost(BatchRoute, Name = "RecordTouchpointBatch"), Authorize(Policy = Scopes.Ingest), Tags("Ingestion")]
    [EndpointSummary("Record many touchpoints; each item is judged on its own")]
    [JsonRequestBody(typeof(TouchpointBatchSubmission))]
    [ProducesResponseType<ProblemDetails>(415, "application/problem+json")]
    [ProducesResponseType<BatchReceipt>(200), ProducesResponseType<BatchReceipt>(207)]
    [ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json"), ProducesResponseType<ProblemDetails>(413, "application/problem+json")]
    public static async Task<IResult> PostBatch(HttpContext http, TouchpointParser parser, TouchpointAppender appender, TimeProvider clock, CancellationToken ct)
    {
        var origin = new RequestOrigin(BatchRoute, http.User.Identity?.Name, clock.Now());
        var limits = parser.Limits;
        var received = await RequestBody.ReadAsync(http.Request, Math.Max(limits.MaxBatchBytes, limits.QuarantinePrefixBytes), limits.QuarantinePrefixBytes, ct);
        if (await RefuseNonJsonAsync(http, received, limits, appender, origin, ct) is { } refused)
        {
            return refused;
        }

        if (received.TotalBytes > limits.MaxBatchBytes)
        {
            var detail = $"A batch may be at most {limits.MaxBatchBytes} bytes; this request has {received.TotalBytes}. Split it.";
            var id = await appender.QuarantineAsync(
                Kept(new Rejection(RejectionReasons.BatchTooLarge, TouchpointParser.Errors("$", detail), default), received, limits), origin, ct);
            return Problem(413, "Batch too large", detail, id);
        }

        var body = received.Kept;
        if (!TryParseJson(body, out var document, out var jsonError))
        {
            var id = await appender.QuarantineAsync(new Rejection(RejectionReasons.MalformedJson, TouchpointParser.Errors("$", jsonError), body), origin, ct);
            return ValidationProblem(TouchpointParser.Errors("$", jsonError), "The body is not valid JSON", id);
        }

        using (document)
        {
            var root = document.RootElement;
            var unknown = root.ValueKind == JsonValueKind.Object ? root.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n != "touchpoints") : null;
            if (root.ValueKind != JsonValueKind.Object || unknown is not null || !root.TryGetProperty("touchpoints", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() == 0)
            {
                var errors = unknown is not null
                    ? TouchpointParser.Errors(unknown, "is not a field of a batch; the body is {\"touchpoints\": [ … ]}")
                    : TouchpointParser.Errors("touchpoints", "is required: a non-empty array of touchpoints, as in {\"touchpoints\": [ … ]}");
                var id = await appender.QuarantineAsync(new Rejection(RejectionReasons.Validation, errors, body), origin, ct);
                return ValidationProblem(errors, "The batch is invalid", id);
            }

            if (items.GetArrayLength() > limits.MaxBatchItems)
            {
                var detail = $"A batch may hold at most {limits.MaxBatchItems} touchpoints; this one has {items.GetArrayLength()}. Split it.";
                var id = await appender.QuarantineAsync(new Rejection(RejectionReasons.BatchTooLarge, TouchpointParser.Errors("touchpoints", detail), body), origin, ct);
                return Problem(413, "Batch too large", detail, id);
            }

            var count = items.GetArrayLength();
            var valid = new List<ValidTouchpoint>(count);
            var validIndex = new List<int>(count);
            var rejections = new List<Rejection>();
            var index = 0;
            foreach (var item in items.EnumerateArray())
            {
                var (touchpoint, rejection) = parser.Parse(item, origin.ReceivedAt, index);
                if (touchpoint is not null)
                {
                    valid.Add(touchpoint);
                    validIndex.Add(index);
                }
                else
                {
                    rejections.Add(rejection!);
                }

                index++;
            }

            var stored = await appender.AppendAsync(valid, rejections, origin, ct);
            var results = new BatchItemResult[count];
            for (var k = 0; k < valid.Count; k++)
            {
                var (tp, outcome) = (valid[k], stored.Touchpoints[k]);
                results[validIndex[k]] = outcome.Status == AppendStatus.Conflict
                    ? new BatchItemResult(validIndex[k], tp.EventId, "rejected", Reason: RejectionReasons.Conflict,
                        Errors: TouchpointParser.Errors("eventId", TouchpointAppender.ConflictMessage(tp.EventId)), RejectionId: outcome.RejectionId)
                    : new BatchItemResult(validIndex[k], tp.EventId, Describe(outcome.Status), outcome.RecordedAt, outcome.Sequence, outcome.Version);
            }

            for (var r = 0; r < rejections.Count; r++)
            {
                var rejection = rejections[r];
                results[rejection.ItemIndex!.Value] = new BatchItemResult(
                    rejection.ItemIndex.Value, rejection.EventId, "rejected", Reason: rejection.Reason, Errors: rejection.Errors, RejectionId: stored.RejectionIds[r]);
            }

            var receipt = new BatchReceipt(
                results.Count(r => r.Status == "accepted"), results.Count(r => r.Status == "duplicate"), results.Count(r => r.Status == "rejected"), results);
            return receipt.Rejected == 0 ? Results.Ok(receipt) : Results.Json(receipt, statusCode: StatusCodes.Status207MultiStatus);
        }
    }

    /// <summary>Only JSON is read; anything else is refused with 415 (and kept, like every refused payload).</summary>
    private static async Task<IResult?> RefuseNonJsonAsync(
        HttpContext http, ReceivedBody received, IngestionLimits limits, TouchpointAppender appender, RequestOrigin origin, CancellationToken ct)
    {
        var type = http.Request.ContentType;
        if (type is not null && MediaTypeHeaderValue.TryParse(type, out var media)
            && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var detail = $"Send touchpoints as JSON with Content-Type: application/json (got '{type ?? "none"}').";
        var id = await appender.QuarantineAsync(
            Kept(new Rejection(RejectionReasons.UnsupportedMediaType, TouchpointParser.Errors("Content-Type", detail), default), received, limits), origin, ct);
        return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", detail, id);
    }

    /// <summary>The rejection with the body as the quarantine keeps it: whole, or a prefix with the whole body's size and hash.</summary>
    private static Rejection Kept(Rejection rejection, ReceivedBody received, IngestionLimits limits) =>
        received.IsWhole && received.TotalBytes <= limits.MaxBatchBytes
            ? rejection with { Payload = received.Kept }
            : rejection with
            {
                Payload = received.Kept[..Math.Min(received.Kept.Length, limits.QuarantinePrefixBytes)],
                Whole = new ReceivedBodySummary(received.TotalBytes, received.Sha256),
            };

    private static string Describe(AppendStatus status) => status switch
    {
        AppendStatus.Accepted => "accepted",
        AppendStatus.Duplicate => "duplicate",
        _ => "rejected",
    };

    /// <summary>
    /// Strict JSON: valid UTF-8 only (no overlong forms, no surrogates encoded as UTF-8 as CESU-8 does, no cut-off
    /// sequences), and no member named twice in one object (which reader would win is up to the reader).
    /// </summary>
    public static bool TryParseJson(ReadOnlyMemory<byte> body, out JsonDocument document, out string error)
    {
        if (!Utf8.IsValid(body.Span))
        {
            document = null!;
            error = "is not valid UTF-8: overlong forms, surrogates encoded as UTF-8 (CESU-8) and cut-off sequences are refused";
            return false;
        }

        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
            error = "";
            return true;
        }
        catch (JsonException ex)
        {
            document = null!;
            error = $"is not valid JSON: {ex.Message}";
            return false;
        }
    }

    private static IResult ValidationProblem(IReadOnlyDictionary<string, string[]> errors, string title, long rejectionId) =>
        Results.ValidationProblem(
            errors.ToDictionary(e => e.Key, e => e.Value),
            title: title,
            detail: "Nothing was stored except the rejected payload, which is kept in quarantine (GET /api/ingestion/rejections).",
            extensions: new Dictionary<string, object?> { ["rejectionId"] = rejectionId });

    private static IResult Problem(int status, string title, string detail, long? rejectionId) =>
        Results.Problem(statusCode: status, title: title, detail: detail,
            extensions: rejectionId is null ? null : new Dictionary<string, object?> { ["rejectionId"] = rejectionId });
}
