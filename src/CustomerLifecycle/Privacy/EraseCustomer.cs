using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;
using Wolverine.Http;

namespace CustomerLifecycle.Privacy;

/// <param name="Reason">Why (e.g. "GDPR art. 17 request #4711"); kept in the erasure log.</param>
public sealed record EraseRequest(string Reason);

public sealed record ErasureReceipt(string CustomerId, DateTimeOffset ErasedAt, string ErasedBy, int QuarantinedPayloadsErased);

/// <summary>
/// Erases a customer's personal data. Only contact_details_provided events carry any (by design of the catalogue),
/// and they are rewritten IN PLACE in the event store with name, email and phone removed, so no later replay or
/// rebuild can bring them back; the rest of the history, which the lifecycle rules need, stays untouched. Quarantined
/// payloads of the customer (which may hold the same data) are emptied too. The read models never hold personal
/// data. The idempotency ledger keeps only ids and hashes, so a client retrying the original event gets
/// "duplicate" and cannot re-insert what was erased.
/// </summary>
public static class EraseCustomer
{
    public const string ErasureLog = "cl_erasures";

    private const string ContactDetailsType = "contact_details_provided";

    public static Table ErasureLogTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, ErasureLog, SchemaUtils.IdentifierUsage.General));
        table.AddColumn("customer_id", "varchar").NotNull().AsPrimaryKey();
        table.AddColumn("erased_at", "timestamptz").NotNull().AsPrimaryKey();
        table.AddColumn("erased_by", "varchar").NotNull();
        table.AddColumn("reason", "varchar").NotNull();
        return table;
    }

    /// <summary>What a masked contact_details_provided keeps: that it happened, when, from which source.</summary>
    public static ContactDetailsProvided Mask(ContactDetailsProvided e) => e with { Name = null, Email = null, Phone = null };

    [WolverinePost("/api/customers/{customerId}/erase", Name = "EraseCustomer"), Authorize(Policy = Scopes.Operate), Tags("Privacy")]
    [EndpointSummary("Erase a customer's personal data from events, quarantine and read models")]
    [ProducesResponseType<ErasureReceipt>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    [ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Post(
        string customerId, EraseRequest request, HttpContext http, IDocumentStore store, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken ct)
    {
        if (ReasonError(request.Reason) is { } error)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = [error] });
        }

        return await EraseAsync(customerId, request.Reason, http.User.Identity?.Name ?? "unknown", store, dataSource, clock, ct) is { } receipt
            ? Results.Ok(receipt)
            : Results.Problem(statusCode: 404, title: "Unknown customer", detail: $"No events have been recorded for customer '{customerId}'.");
    }

    /// <summary>Why a reason is not acceptable, or null when it is.</summary>
    public static string? ReasonError(string? reason) =>
        string.IsNullOrWhiteSpace(reason) || reason.Length > 500 ? "is required, at most 500 characters" : null;

    /// <summary>Erases the customer (the endpoint and the console share it); null when nothing was recorded for them.</summary>
    public static async Task<ErasureReceipt?> EraseAsync(
        string customerId, string reason, string erasedBy, IDocumentStore store, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(clock);
        var erasedAt = clock.Now();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        // The stream's row lock orders the erasure with the append path, which upserts that row before it inserts
        // events: an append in flight commits first and is masked here; one that starts meanwhile waits and stores
        // its events after the erasure. No contact event commits while an erasure runs.
        await using (var lockStream = new NpgsqlCommand($"select 1 from {StoreSetup.Schema}.mt_streams where id = $1 for update", connection, transaction))
        {
            lockStream.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customerId });
            if (await lockStream.ExecuteScalarAsync(ct) is null)
            {
                return null;
            }
        }

        // Marten rewrites the events in its own unit of work, enlisted in this transaction: masking, scrubbing and the
        // erasure log commit together or not at all.
        await using var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction));
        var contacts = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey == customerId && e.EventTypeName == ContactDetailsType)
            .ToListAsync(ct);
        foreach (var contact in contacts.OfType<Event<ContactDetailsProvided>>())
        {
            contact.Data = Mask(contact.Data);
            session.Events.OverwriteEvent(contact);
        }

        await session.SaveChangesAsync(ct);

        await using var scrub = new NpgsqlCommand(
            $$"""
             update {{StoreSetup.Schema}}.{{IngestionSchema.Rejections}}
             -- The hash of a body that held personal data could confirm a guess of it, as the ledger's hashes could.
             set payload = ''::bytea, payload_sha256 = null, errors = '{"erased": ["personal data erased"]}'::jsonb
             where octet_length(payload) > 0
               -- Whole-request rejections (bad JSON, too large) have no customer id: find the customer in the bytes.
               and (customer_id = $1 or position(convert_to($1, 'UTF8') in payload) > 0)
             """, connection, transaction)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = customerId } },
        };
        var scrubbed = await scrub.ExecuteNonQueryAsync(ct);
        await using var log = new NpgsqlCommand(
            $"insert into {StoreSetup.Schema}.{ErasureLog} (customer_id, erased_at, erased_by, reason) values ($1, $2, $3, $4)", connection, transaction)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = customerId },
                new NpgsqlParameter<DateTimeOffset> { TypedValue = erasedAt },
                new NpgsqlParameter<string> { TypedValue = erasedBy },
                new NpgsqlParameter<string> { TypedValue = reason },
            },
        };
        await log.ExecuteNonQueryAsync(ct);

        // The ledger's content hash of a contact event covers the personal data, and every other input to it is
        // still stored: a guessable phone number could be confirmed against it. Forget those hashes; an empty hash
        // still answers a retry of the id with "duplicate" (TouchpointAppender.Judge).
        await using var forget = new NpgsqlCommand(
            $"""
             update {StoreSetup.Schema}.{IngestionSchema.Ledger} set content_hash = ''::bytea
             where customer_id = $1 and store_id in (
               select id from {StoreSetup.Schema}.mt_events where stream_id = $1 and type = 'contact_details_provided')
             """, connection, transaction)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = customerId } },
        };
        await forget.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return new ErasureReceipt(customerId, erasedAt, erasedBy, scrubbed);
    }
}
