using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;
using CustomerLifecycle.Infrastructure.Store;
using Marten;
using Npgsql;

namespace CustomerLifecycle.Lifecycle.Auditing;

/// <summary>Reads journeys, and the raw streams behind them, a page of customers at a time (keyset on the id).</summary>
public static class JourneyPages
{
    public static async Task<IReadOnlyList<CustomerJourney>> ReadAsync(IQuerySession session, string? after, int limit, CancellationToken ct) =>
        await session.QueryAsync<CustomerJourney>("where id > ? order by id limit ?", ct, after ?? "", limit);

    /// <summary>A customer's transition log (<see cref="JourneyTables.Transitions"/>): every transition ever believed, in the order learned.</summary>
    public static async Task<IReadOnlyList<StageTransition>> TransitionLogAsync(IQuerySession session, string customerId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var logs = await TransitionLogsAsync(session, [customerId], ct);
        return logs[customerId];
    }

    /// <summary>The transition logs of these customers, each in the order learned (customers without one get an empty log).</summary>
    public static async Task<Dictionary<string, List<StageTransition>>> TransitionLogsAsync(IQuerySession session, IReadOnlyCollection<string> customerIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(customerIds);
        var serializer = session.DocumentStore.Options.Serializer();
        var logs = customerIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => new List<StageTransition>(), StringComparer.Ordinal);
        await using var connection = session.Database.CreateConnection();
        await connection.OpenAsync(ct);
        await JourneyHistories.ReadLogsAsync(connection, serializer, [.. logs.Keys], logs, ct);
        return logs;
    }

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
