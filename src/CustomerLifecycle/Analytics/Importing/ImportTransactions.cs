using System.Text;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.Importing;

/// <summary>Limits of the import endpoint (configuration section "Imports").</summary>
public sealed class ImportLimits
{
    public const string Section = "Imports";

    /// <summary>
    /// Largest body accepted, in bytes (default 16 MiB, about 500,000 CDNOW lines). It must stay below Kestrel's hard
    /// ceiling (Ingestion:HardRequestBodyCeiling). Larger files: the import-transactions command has no limit.
    /// </summary>
    public long MaxBodyBytes { get; set; } = 16L * 1024 * 1024;

    /// <summary>Imports running at once on this node; one more gets 429 with Retry-After (each holds its body in memory).</summary>
    public int MaxConcurrentImports { get; set; } = 2;

    /// <summary>Every problem with these settings, each naming the setting (checked at start).</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxBodyBytes < 1)
        {
            yield return $"{Section}:{nameof(MaxBodyBytes)} must be at least 1 (got {MaxBodyBytes})";
        }

        if (MaxConcurrentImports < 1)
        {
            yield return $"{Section}:{nameof(MaxConcurrentImports)} must be at least 1 (got {MaxConcurrentImports})";
        }
    }
}

/// <summary>The slots that bound how many imports run at once on this node.</summary>
public sealed class ImportSlots(IOptions<ImportLimits> limits) : IDisposable
{
    private readonly SemaphoreSlim slots = new(limits.Value.MaxConcurrentImports);

    public int Count => limits.Value.MaxConcurrentImports;

    /// <summary>Takes a slot if one is free at once; the caller releases it when its import is over.</summary>
    public bool TryTake() => slots.Wait(0);

    public void Release() => slots.Release();

    public void Dispose() => slots.Dispose();
}

/// <summary>
/// POST a whole transaction log (CDNOW_master.txt, CDNOW_sample.txt or any file in their format) as text/plain;
/// every line is recorded as a purchase_completed touchpoint through the ordinary ingestion path.
/// </summary>
public static class ImportTransactions
{
    public const string Route = "/api/imports/transactions";

    [WolverinePost(Route, Name = "ImportTransactions"), Authorize(Policy = Scopes.Ingest), Tags("Ingestion")]
    [EndpointSummary("Import a transaction log (CDNOW format) as purchase touchpoints")]
    [ProducesResponseType<ImportReport>(200), ProducesResponseType<ImportReport>(207)]
    [ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(413, "application/problem+json"), ProducesResponseType<ProblemDetails>(415, "application/problem+json")]
    public static async Task<IResult> Post(
        HttpContext http, TransactionImporter importer, ImportSlots slots, IOptions<ImportLimits> limits, CancellationToken ct,
        string? source = null, string? currency = null, string? customerPrefix = null)
    {
        var errors = ImportOptions.Validate(source, currency, customerPrefix);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors, title: "The import parameters are invalid");
        }

        if (!slots.TryTake())
        {
            return TooBusy.Problem(http, "Too many imports running",
                $"{slots.Count} imports are already running on this node (Imports:MaxConcurrentImports); retry when one has finished.", retryAfterSeconds: 10);
        }

        try
        {
            return await ImportAsync(http, importer, limits.Value, source!, currency!, customerPrefix, ct);
        }
        finally
        {
            slots.Release();
        }
    }

    private static async Task<IResult> ImportAsync(
        HttpContext http, TransactionImporter importer, ImportLimits limits, string source, string currency, string? customerPrefix, CancellationToken ct)
    {

        var type = http.Request.ContentType;
        if (type is null || !MediaTypeHeaderValue.TryParse(type, out var media) || !media.MediaType.Equals("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(statusCode: 415, title: "Unsupported media type",
                detail: $"Send the transaction log as the body with Content-Type: text/plain (got '{type ?? "none"}').");
        }

        var max = limits.MaxBodyBytes;
        if (http.Request.ContentLength > max || await ReadAtMostAsync(http.Request.Body, max, ct) is not { } body)
        {
            return Results.Problem(statusCode: 413, title: "Transaction log too large",
                detail: $"An import may be at most {max} bytes; split the file or use the import-transactions command.");
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["is not UTF-8 text"] }, title: "The transaction log is not text");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["$"] = ["is empty: send the transaction log as the body"] }, title: "The transaction log is empty");
        }

        using var reader = new StringReader(text);
        var options = new ImportOptions(source, currency, customerPrefix);
        var report = await importer.ImportAsync(reader, options, Route, http.User.Identity?.Name, ct);
        return report.Rejected == 0 ? Results.Ok(report) : Results.Json(report, statusCode: StatusCodes.Status207MultiStatus);
    }

    /// <summary>The whole body, or null as soon as it proves longer than <paramref name="max"/> (a chunked body has no length up front).</summary>
    private static async Task<ReadOnlyMemory<byte>?> ReadAtMostAsync(Stream body, long max, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81_920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
