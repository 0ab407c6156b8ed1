using System.Runtime.CompilerServices;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using Marten;
using Npgsql;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>Where a fit reads its inputs: payments from the event store, warning signs from the journeys.</summary>
public sealed class ClvSources(NpgsqlDataSource dataSource, IDocumentStore store)
{
    /// <summary>
    /// Every purchase_completed and refund_issued in the fit's currency and scope that occurred before
    /// <paramref name="until"/>, straight from mt_events by event type, one customer at a time. Not from the journeys:
    /// the event table is the truth with no projection lag, and one pass over two event types is far cheaper than
    /// opening every journal document (which carries the whole lifecycle) just to find its purchases. Grouped by
    /// customer so that the fit holds one customer's payments at a time, never the whole history: at 1M customers the
    /// payments held at once took 2.7 GB.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<PaymentRecord>> PaymentsByCustomerAsync(
        ClvFitSettings settings, DateTimeOffset until, [EnumeratorCancellation] CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // collate "C": a plain byte sort is all the grouping needs, and much cheaper than the locale's.
        await using var command = dataSource.CreateCommand(
            $"""
             select stream_id, type, data->>'orderId', (data->>'amount')::numeric, (data->>'occurredAt')::timestamptz
             from {StoreSetup.Schema}.mt_events
             where type in ('purchase_completed', 'refund_issued') and not is_archived
               and data->>'currency' = $1
               and ($2::varchar is null or stream_id like $2)
               and ($3::varchar is null or data->>'source' = $3)
               and (data->>'occurredAt')::timestamptz >= $4 and (data->>'occurredAt')::timestamptz < $5
             order by stream_id collate "C"
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = settings.Currency });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = settings.CustomerPrefix is { } prefix ? EscapeLike(prefix) + "%" : null });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = settings.Source });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = new DateTimeOffset(settings.ObservationStart, TimeOnly.MinValue, TimeSpan.Zero) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = until });
        command.CommandTimeout = 0; // a full pass over a large event table takes as long as it takes; this runs in the background
        await using var reader = await command.ExecuteReaderAsync(ct);
        var customer = new List<PaymentRecord>();
        while (await reader.ReadAsync(ct))
        {
            var customerId = reader.GetString(0);
            if (customer.Count > 0 && !string.Equals(customer[0].CustomerId, customerId, StringComparison.Ordinal))
            {
                yield return customer;
                customer = [];
            }

            customer.Add(new PaymentRecord(
                customer.Count > 0 ? customer[0].CustomerId : customerId,
                reader.GetString(1) == "purchase_completed" ? PaymentKind.Purchase : PaymentKind.Refund,
                reader.GetString(2),
                reader.GetDecimal(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        }

        if (customer.Count > 0)
        {
            yield return customer;
        }
    }

    /// <summary>The lifecycle facts of these customers' journeys; customers the projection has not reached yet are absent.</summary>
    public Task<Dictionary<string, List<LifecycleFact>>> JourneyFactsAsync(IReadOnlyCollection<string> customerIds, CancellationToken ct) =>
        JourneyHistories.FoldedFactsAsync(dataSource, store.Options.Serializer(), customerIds, ct);

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
