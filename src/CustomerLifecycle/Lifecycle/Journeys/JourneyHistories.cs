using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using Marten;
using Npgsql;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// Loads what <see cref="JourneyFold.Refold"/> needs for a few customers: their touchpoints from their streams (through
/// the last event each journey folded), their transition logs and their mirror rows. One query per table for all of
/// them; only customers with a late fact in a page (or whose channel or cohort moved) are loaded.
/// </summary>
public static class JourneyHistories
{
    private const string Schema = StoreSetup.Schema;
    private static readonly Dictionary<string, Type> TouchpointTypesByName = TouchpointTypes.All.ToDictionary(t => t.Name, t => t.Type, StringComparer.Ordinal);

    /// <summary>
    /// The facts each of these customers' journeys has folded (the touchpoints of their streams through the journey's
    /// last sequence), in business order; customers without a journey are absent.
    /// </summary>
    public static async Task<Dictionary<string, List<LifecycleFact>>> FoldedFactsAsync(
        NpgsqlDataSource dataSource, ISerializer serializer, IReadOnlyCollection<string> customerIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(customerIds);
        var facts = new Dictionary<string, List<LifecycleFact>>(customerIds.Count, StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand(
            $"""
             select j.id, e.seq_id, e.id, e.type, e.timestamp, e.data
             from {Schema}.{JourneyTables.DocumentTable} j
             left join {Schema}.mt_events e on e.stream_id = j.id and e.seq_id <= j.mt_version and e.type = any($2) and e.is_archived = false
             where j.id = any($1)
             order by e.seq_id
             """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. customerIds] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. TouchpointTypesByName.Keys] });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            var id = reader.GetString(0);
            if (!facts.TryGetValue(id, out var list))
            {
                facts[id] = list = [];
            }

            if (!reader.IsDBNull(1))
            {
                list.Add(ReadFact(reader, serializer));
            }
        }

        foreach (var list in facts.Values)
        {
            list.Sort(LifecycleFact.BusinessOrder);
        }

        return facts;
    }

    /// <param name="rowsOnly">Only the mirror rows (spells, months), for an in-order change that needs them (<see cref="JourneyFold.WithRows"/>).</param>
    public static async Task<Dictionary<string, JourneyHistory>> LoadAsync(
        NpgsqlDataSource dataSource, ISerializer serializer, IReadOnlyList<(string Id, long Through)> customers, bool rowsOnly, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(customers);
        var ids = customers.Select(c => c.Id).ToArray();
        var facts = ids.ToDictionary(id => id, _ => new List<LifecycleFact>(), StringComparer.Ordinal);
        var log = ids.ToDictionary(id => id, _ => new List<StageTransition>(), StringComparer.Ordinal);
        var spells = ids.ToDictionary(id => id, _ => new List<SpellRow>(), StringComparer.Ordinal);
        var months = ids.ToDictionary(id => id, _ => new List<MonthRow>(), StringComparer.Ordinal);
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);

        if (!rowsOnly)
        {
            await LoadFactsAndLogAsync(connection, serializer, customers, facts, log, ct).ConfigureAwait(false);
        }

        await LoadRowsAsync(connection, ids, spells, months, ct).ConfigureAwait(false);
        return ids.ToDictionary(id => id, id => new JourneyHistory(facts[id], log[id], spells[id], months[id]), StringComparer.Ordinal);
    }

    private static async Task LoadFactsAndLogAsync(
        NpgsqlConnection connection, ISerializer serializer, IReadOnlyList<(string Id, long Through)> customers,
        Dictionary<string, List<LifecycleFact>> facts, Dictionary<string, List<StageTransition>> log, CancellationToken ct)
    {
        var ids = customers.Select(c => c.Id).ToArray();
        await using (var command = new NpgsqlCommand(
                         $"""
                          select e.stream_id, e.seq_id, e.id, e.type, e.timestamp, e.data
                          from unnest($1::varchar[], $2::bigint[]) as c(id, through)
                          join {Schema}.mt_events e on e.stream_id = c.id and e.seq_id <= c.through
                          where e.type = any($3) and e.is_archived = false
                          order by e.seq_id
                          """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. customers.Select(c => c.Through)] });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. TouchpointTypesByName.Keys] });
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                facts[reader.GetString(0)].Add(ReadFact(reader, serializer));
            }
        }

        await ReadLogsAsync(connection, serializer, ids, log, ct).ConfigureAwait(false);
    }

    /// <summary>The transition logs of these customers, each in the order learned, into <paramref name="logs"/> (which holds a list per customer).</summary>
    public static async Task ReadLogsAsync(
        NpgsqlConnection connection, ISerializer serializer, string[] ids, Dictionary<string, List<StageTransition>> logs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(logs);
        await using var command = new NpgsqlCommand(
            $"select customer_id, data from {Schema}.{JourneyTables.Transitions} where customer_id = any($1) order by customer_id, ordinal", connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            logs[reader.GetString(0)].Add(serializer.FromJson<StageTransition>(reader, 1));
        }
    }

    /// <summary>A stored touchpoint as a fact, from a row of (stream_id, seq_id, id, type, timestamp, data).</summary>
    private static LifecycleFact ReadFact(NpgsqlDataReader reader, ISerializer serializer)
    {
        var type = reader.GetString(3);
        var touchpoint = (Touchpoint)serializer.FromJson(TouchpointTypesByName[type], reader, 5);
        return LifecycleFact.From(touchpoint, reader.GetGuid(2), type, reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(4));
    }

    private static async Task LoadRowsAsync(
        NpgsqlConnection connection, string[] ids, Dictionary<string, List<SpellRow>> spells, Dictionary<string, List<MonthRow>> months, CancellationToken ct)
    {
        await using (var command = new NpgsqlCommand(
                         $"""
                          select customer_id, ordinal, stage, entered_at, left_at, entered_by, channel, cohort, first_seen_month
                          from {Schema}.{JourneyTables.Spells} where customer_id = any($1)
                          """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                spells[reader.GetString(0)].Add(new SpellRow(
                    reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
            }
        }

        await using (var command = new NpgsqlCommand(
                         $"select customer_id, month, currency, cohort, purchases, revenue from {Schema}.{JourneyTables.Months} where customer_id = any($1)", connection))
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                months[reader.GetString(0)].Add(new MonthRow(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4), reader.GetDecimal(5)));
            }
        }
    }
}
