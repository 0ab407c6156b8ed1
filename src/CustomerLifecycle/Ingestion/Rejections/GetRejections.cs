using System.Text;
using System.Text.Json;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Infrastructure.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Ingestion.Rejections;

/// <summary>One quarantined payload. <c>Payload</c> is the exact text we received; non-UTF-8 bytes come as <c>PayloadBase64</c>.</summary>
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
    int PayloadBytes);

public sealed record RejectionPage(IReadOnlyList<RejectedPayload> Items, long? NextBefore);

/// <summary>The quarantine, newest first, paged with a <c>before</c> cursor (the smallest id of the previous page).</summary>
public static class GetRejections
{
    public const int MaxLimit = 500;

    [WolverineGet("/api/ingestion/rejections", Name = "GetRejections"), Authorize(Policy = Scopes.Operate), Tags("Ingestion")]
    [EndpointSummary("Read quarantined (rejected) payloads, newest first")]
    [ProducesResponseType<RejectionPage>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(
        NpgsqlDataSource dataSource, CancellationToken ct,
        long? before = null, int limit = 100, string? reason = null, string? eventId = null, string? customerId = null)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be between 1 and {MaxLimit}"] });
        }

        await using var command = dataSource.CreateCommand(
            $"""
             select id, received_at, api_key, endpoint, item_index, reason, event_id, customer_id, type, errors::text, payload
             from {StoreSetup.Schema}.{IngestionSchema.Rejections}
             where ($1::bigint is null or id < $1) and ($2::text is null or reason = $2)
               and ($3::text is null or event_id = $3) and ($4::text is null or customer_id = $4)
             order by id desc
             limit $5
             """);
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = before });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = reason });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = eventId });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = customerId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });

        var items = new List<RejectedPayload>(limit);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var payload = (byte[])reader[10];
            var text = TryUtf8(payload);
            items.Add(new RejectedPayload(
                reader.GetInt64(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                JsonDocument.Parse(reader.GetString(9)).RootElement,
                text,
                text is null ? Convert.ToBase64String(payload) : null,
                payload.Length));
        }

        return Results.Ok(new RejectionPage(items, items.Count == limit ? items[^1].Id : null));
    }

    private static string? TryUtf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
