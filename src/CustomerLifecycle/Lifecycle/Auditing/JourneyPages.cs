using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;
using Marten;

namespace CustomerLifecycle.Lifecycle.Auditing;

/// <summary>Reads journeys, and the raw streams behind them, a page of customers at a time (keyset on the id).</summary>
public static class JourneyPages
{
    public static async Task<IReadOnlyList<CustomerJourney>> ReadAsync(IQuerySession session, string? after, int limit, CancellationToken ct) =>
        await session.QueryAsync<CustomerJourney>("where id > ? order by id limit ?", ct, after ?? "", limit);

    /// <summary>Every touchpoint of these customers as a lifecycle fact, in arrival (sequence) order.</summary>
    public static async Task<ILookup<string, LifecycleFact>> RawFactsAsync(IQuerySession session, IReadOnlyCollection<string> customerIds, CancellationToken ct)
    {
        var ids = customerIds.ToArray();
        var events = await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamKey!.IsOneOf(ids))
            .OrderBy(e => e.Sequence)
            .ToListAsync(ct);
        return events
            .Where(e => e.Data is Touchpoint)
            .Select(e => LifecycleFact.From((Touchpoint)e.Data, e.Id, e.EventTypeName, e.Sequence, e.Timestamp))
            .ToLookup(f => f.CustomerId, StringComparer.Ordinal);
    }
}
