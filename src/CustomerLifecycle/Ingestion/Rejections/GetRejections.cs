using System.Data;
using System.Text;
using System.Text.Json;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine.Http;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace CustomerLifecycle.Ingestion.Rejections;

/// <summary>
/// One quarantined payload. <c>Payload</c> is the text we received (non-UTF-8 bytes come as <c>PayloadBase64</c>), at
/// most the first <see cref="GetRejections.PreviewBytes"/> bytes of it; <c>PayloadTruncated</c> says that the body was
/// longer (<c>PayloadBytes</c>, <c>PayloadSha256</c> describe the whole body).
/// </summary>
public sealed record RejectedPayload(
    long Id,
    DateTimeOffset ReceivedAt,
    string? ApiKey,
    string Endpoint,
    int? ItemIndex,
    string Reason,
    string? EventId,
    string? CustomerId,
    string? Type,
    JsonElement Errors,
    string? Payload,
    string? PayloadBase64,
    long PayloadBytes,
    string? PayloadSha256,
    bool PayloadTruncated);

public sealed record RejectionPage(IReadOnlyList<RejectedPayload> Items, long? NextBefore);

/// <summary>Which quarantined payloads to list: <c>limit</c> of them with an id below <c>before</c>, optionally of one reason, event or customer.</summary>
public sealed record RejectionQuery(long? Before, int Limit, string? Reason, string? EventId, string? CustomerId);

/// <summary>
/// The quarantine, newest first, paged with a <c>before</c> cursor (the smallest id of the previous page). The page is
/// written to the response row by row and each row carries at most a preview of its payload, so a listing costs the
/// service one row of memory however large the quarantine or its payloads are.
/// </summary>
public static class GetRejections
{
    public const int MaxLimit = 500;

    /// <summary>The most payload bytes one listed rejection carries; the whole stored payload is at <c>/{id}/payload</c>.</summary>
    public const int PreviewBytes = 16 * 1024;

    [WolverineGet("/api/ingestion/rejections", Name = "GetRejections"), Authorize(Policy = Scopes.Operate), Tags("Ingestion")]
    [EndpointSummary("Read quarantined (rejected) payloads, newest first")]
    [ProducesResponseType<RejectionPage>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static IResult Get(
        NpgsqlDataSource dataSource, IOptions<HttpJsonOptions> json,
        long? before = null, int limit = 100, string? reason = null, string? eventId = null, string? customerId = null)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be between 1 and {MaxLimit}"] });
        }

        return new RejectionPageResult(dataSource, json.Value.SerializerOptions, new RejectionQuery(before, limit, reason, eventId, customerId));
    }

    [WolverineGet("/api/ingestion/rejections/{id}/payload", Name = "GetRejectedPayload"), Authorize(Policy = Scopes.Operate), Tags("Ingestion")]
    [EndpointSummary("The stored bytes of one quarantined payload (a prefix when the body was over its limit)")]
    [ProducesResponseType(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    public static async Task<IResult> GetPayload(long id, NpgsqlDataSource dataSource, HttpContext http, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = new NpgsqlCommand($"select payload from {StoreSetup.Schema}.{IngestionSchema.Rejections} where id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, ct);
        if (!await reader.ReadAsync(ct))
        {
            return Results.Problem(statusCode: 404, title: "Unknown rejection", detail: $"No quarantined payload has the id {id}.");
        }

        http.Response.ContentType = "application/octet-stream";
        await using var payload = await reader.GetStreamAsync(0, ct);
        await payload.CopyToAsync(http.Response.Body, ct);
        return Results.Empty;
    }

    /// <summary>One page of the quarantine, newest first; read its rows with <see cref="Read"/>. The console pages read it too.</summary>
    internal static NpgsqlCommand PageCommand(NpgsqlDataSource dataSource, RejectionQuery query)
    {
        var command = dataSource.CreateCommand(
            $"""
             select id, received_at, api_key, endpoint, item_index, reason, event_id, customer_id, type, errors::text,
                    substring(payload from 1 for $6), coalesce(payload_bytes, length(payload)), payload_sha256
             from {StoreSetup.Schema}.{IngestionSchema.Rejections}
             where ($1::bigint is null or id < $1) and ($2::text is null or reason = $2)
               and ($3::text is null or event_id = $3) and ($4::text is null or customer_id = $4)
             order by id desc
             limit $5
             """);
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = query.Before });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = query.Reason });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = query.EventId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = query.CustomerId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PreviewBytes });
        return command;
    }

    internal static RejectedPayload Read(NpgsqlDataReader reader)
    {
        var preview = (byte[])reader[10];
        var total = reader.GetInt64(11);
        var text = TryUtf8(preview, complete: preview.Length == total);
        using var errors = JsonDocument.Parse(reader.GetString(9));
        return new RejectedPayload(
            reader.GetInt64(0),
            reader.GetFieldValue<DateTimeOffset>(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetInt32(4),
            reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.IsDBNull(7) ? null : reader.GetString(7),
            reader.IsDBNull(8) ? null : reader.GetString(8),
            errors.RootElement.Clone(),
            text,
            text is null ? Convert.ToBase64String(preview) : null,
            total,
            reader.IsDBNull(12) ? null : Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(12)),
            preview.Length < total);
    }

    private sealed class RejectionPageResult(NpgsqlDataSource dataSource, JsonSerializerOptions options, RejectionQuery query) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var ct = httpContext.RequestAborted;
            await using var command = PageCommand(dataSource, query);
            // Opened before the first byte is written, so an unreachable store still answers 503 as a whole.
            await using var reader = await command.ExecuteReaderAsync(ct);
            httpContext.Response.StatusCode = StatusCodes.Status200OK;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            await using var writer = new Utf8JsonWriter(httpContext.Response.BodyWriter.AsStream());
            writer.WriteStartObject();
            writer.WritePropertyName(options.PropertyNamingPolicy?.ConvertName(nameof(RejectionPage.Items)) ?? nameof(RejectionPage.Items));
            writer.WriteStartArray();
            var (count, lastId) = (0, 0L);
            while (await reader.ReadAsync(ct))
            {
                var item = Read(reader);
                JsonSerializer.Serialize(writer, item, options);
                (count, lastId) = (count + 1, item.Id);
                if (writer.BytesPending > 64 * 1024)
                {
                    await writer.FlushAsync(ct);
                }
            }

            writer.WriteEndArray();
            writer.WritePropertyName(options.PropertyNamingPolicy?.ConvertName(nameof(RejectionPage.NextBefore)) ?? nameof(RejectionPage.NextBefore));
            if (count == query.Limit)
            {
                writer.WriteNumberValue(lastId);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndObject();
            await writer.FlushAsync(ct);
        }
    }

    /// <summary>The bytes as text when they are UTF-8; a preview cut inside a character still counts as text.</summary>
    private static string? TryUtf8(byte[] bytes, bool complete)
    {
        var length = bytes.Length;
        if (!complete)
        {
            // Drop at most the 3 bytes of a character the preview cut in two.
            var start = length;
            while (start > 0 && length - start < 3 && (bytes[start - 1] & 0xC0) == 0x80)
            {
                start--;
            }

            if (start > 0 && bytes[start - 1] >= 0xC0)
            {
                length = start - 1;
            }
        }

        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
