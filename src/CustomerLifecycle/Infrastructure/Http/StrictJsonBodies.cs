using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// Holds every JSON request body that Wolverine binds (what-if, verify, erasure, CLV fits) to the rules the touchpoint
/// endpoints apply themselves: valid UTF-8 only, no member named twice in one object, at most <see cref="MaxBytes"/>.
/// A body that breaks one gets 400 (or 413) naming the reason before any endpoint sees it, instead of one reader
/// choosing between duplicate members and another failing with a 500 on a bad byte.
/// </summary>
public sealed class StrictJsonBodies(RequestDelegate next)
{
    /// <summary>The largest JSON body a bound endpoint accepts; these are small requests, not data.</summary>
    public const int MaxBytes = 1024 * 1024;

    public async Task InvokeAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        // Only endpoints that bind a JSON body (IAcceptsMetadata); those documented with [JsonRequestBody] read and
        // quarantine their bodies themselves, and an endpoint reading another media type answers 415 itself.
        if (!IsJson(request.ContentType) || http.GetEndpoint() is not { } endpoint
            || endpoint.Metadata.GetMetadata<JsonRequestBodyAttribute>() is not null
            || endpoint.Metadata.GetMetadata<IAcceptsMetadata>() is not { } accepts
            || !accepts.ContentTypes.Any(IsJson))
        {
            await next(http);
            return;
        }

        if (request.ContentLength > MaxBytes)
        {
            await TooLarge(http);
            return;
        }

        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: MaxBytes);
        var body = await RequestBody.ReadAsync(request, MaxBytes, http.RequestAborted);
        if (body.TotalBytes > MaxBytes)
        {
            await TooLarge(http);
            return;
        }

        if (body.TotalBytes > 0 && Problem(body.Kept) is { } problem)
        {
            await Results.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [problem] }, title: "The body is not valid JSON").ExecuteAsync(http);
            return;
        }

        request.Body.Position = 0;
        await next(http);
    }

    /// <summary>Why the bytes are not strict JSON, or null when they are.</summary>
    public static string? Problem(ReadOnlyMemory<byte> body)
    {
        if (!Utf8.IsValid(body.Span))
        {
            return "is not valid UTF-8: overlong forms, surrogates encoded as UTF-8 (CESU-8) and cut-off sequences are refused";
        }

        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
            return null;
        }
        catch (JsonException ex)
        {
            return $"is not valid JSON: {ex.Message}";
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));

    private static Task TooLarge(HttpContext http) =>
        Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: $"A JSON request body may be at most {MaxBytes} bytes (see docs/api.md, Limits).").ExecuteAsync(http);
}
