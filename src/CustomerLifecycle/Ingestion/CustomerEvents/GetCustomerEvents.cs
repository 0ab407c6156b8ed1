using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Ingestion.Recording;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CustomerLifecycle.Ingestion.CustomerEvents;

/// <summary>One stored event with its metadata. <c>Data</c> holds the type's own fields in the wire format.</summary>
public sealed record StoredEvent(
    string? EventId,
    Guid StoreId,
    string Type,
    long Version,
    long Sequence,
    DateTimeOffset? OccurredAt,
    DateTimeOffset RecordedAt,
    string? Source,
    DateTimeOffset? ClientOccurredAt,
    DateTimeOffset? SentAt,
    JsonObject? Data);

public sealed record CustomerEventPage(string CustomerId, long StreamVersion, IReadOnlyList<StoredEvent> Events, long? NextFromVersion);

/// <summary>A customer's stream as stored, in version order, paged by version.</summary>
public static class GetCustomerEvents
{
    public const int MaxLimit = 1000;

    [WolverineGet("/api/customers/{customerId}/events", Name = "GetCustomerEvents"), Authorize(Policy = Scopes.Read), Tags("Customers")]
    [EndpointSummary("Read a customer's event stream with metadata")]
    [ProducesResponseType<CustomerEventPage>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    [ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(string customerId, IQuerySession session, CancellationToken ct, long fromVersion = 1, int limit = 100)
    {
        var errors = new Dictionary<string, string[]>();
        if (fromVersion < 1)
        {
            errors["fromVersion"] = ["must be 1 or more"];
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"must be between 1 and {MaxLimit}"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        return await ReadPageAsync(customerId, session, fromVersion, limit, ct) is { } page
            ? Results.Ok(page)
            : Results.Problem(statusCode: 404, title: "Unknown customer", detail: $"No events have been recorded for customer '{customerId}'.");
    }

    /// <summary>One page of the stream, or null when nothing was recorded for the customer (the endpoint and the console share it).</summary>
    public static async Task<CustomerEventPage?> ReadPageAsync(string customerId, IQuerySession session, long fromVersion, int limit, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var state = await session.Events.FetchStreamStateAsync(customerId, ct);
        if (state is null)
        {
            return null;
        }

        var events = await session.Events.FetchStreamAsync(customerId, version: fromVersion + limit - 1, fromVersion: fromVersion, token: ct);
        var page = events.Select(ToStored).ToList();
        var next = page.Count > 0 && page[^1].Version < state.Version ? page[^1].Version + 1 : (long?)null;
        return new CustomerEventPage(customerId, state.Version, page, next);
    }

    private static StoredEvent ToStored(IEvent e)
    {
        var touchpoint = e.Data as Touchpoint;
        JsonObject? data = null;
        if (touchpoint is not null)
        {
            data = JsonSerializer.SerializeToNode(e.Data, e.Data.GetType(), TouchpointParser.DataJson)!.AsObject();
            data.Remove("customerId");
            data.Remove("occurredAt");
            data.Remove("source");
        }

        return new StoredEvent(
            Header(e, TouchpointAppender.Headers.ClientEventId),
            e.Id,
            e.EventTypeName,
            e.Version,
            e.Sequence,
            touchpoint?.OccurredAt,
            e.Timestamp,
            touchpoint?.Source,
            DateHeader(e, TouchpointAppender.Headers.ClientOccurredAt),
            DateHeader(e, TouchpointAppender.Headers.SentAt),
            data);
    }

    private static string? Header(IEvent e, string key) =>
        e.Headers is { } headers && headers.TryGetValue(key, out var value) && value is not null ? value.ToString() : null;

    private static DateTimeOffset? DateHeader(IEvent e, string key) =>
        Header(e, key) is { } text && DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var at) ? at : null;
}
