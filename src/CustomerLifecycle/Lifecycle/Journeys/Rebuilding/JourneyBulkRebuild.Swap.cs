using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Lifecycle.Journeys.Rebuilding;

// Indexing the loaded shadow tables and swapping them in for the live ones, with the projection's progress.
public sealed partial class JourneyBulkRebuild
{
    /// <summary>
    /// The live tables' indexes, re-created on the shadows under temporary names (index names are unique per schema),
    /// after the load: building an index once over sorted input is far cheaper than maintaining it row by row.
    /// </summary>
    private static string IndexSql(List<(string Table, string Index, string Definition, string? Constraint)> indexes)
    {
        var sql = new System.Text.StringBuilder();
        foreach (var (i, (table, index, definition, constraint)) in indexes.Index())
        {
            var shadowDefinition = definition
                .Replace($" INDEX {index} ON ", $" INDEX {ShadowIndex(i)} ON ", StringComparison.Ordinal)
                .Replace($" ON {Schema}.{table} ", $" ON {Schema}.{table}{Suffix} ", StringComparison.Ordinal);
            if (shadowDefinition == definition)
            {
                throw new InvalidOperationException($"Cannot re-create index {index} on the shadow table: unexpected definition '{definition}'.");
            }

            sql.Append(shadowDefinition).Append(";\n");
            if (constraint is not null)
            {
                sql.Append(CultureInfo.InvariantCulture, $"alter table {Schema}.{table}{Suffix} add constraint {ShadowIndex(i)} primary key using index {ShadowIndex(i)};\n");
            }
        }

        foreach (var table in Tables)
        {
            sql.Append(CultureInfo.InvariantCulture, $"analyze {Schema}.{table}{Suffix};\n");
        }

        return sql.ToString();
    }

    /// <summary>
    /// The temporary name of the i-th index on the shadows. Not the live name plus a suffix: PostgreSQL cuts names at 63
    /// bytes, and Weasel's primary key names already reach that (pkey_cl_cohort_activity_breakdown_…), so the suffixed
    /// name of a long one would be cut back to the live index's own name.
    /// </summary>
    private static string ShadowIndex(int i) => $"cl_rebuild_ix_{i}";

    private static async Task<List<(string Table, string Index, string Definition, string? Constraint)>> IndexesAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            select i.tablename, i.indexname, i.indexdef, c.conname
            from pg_indexes i
            left join pg_constraint c on c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass and c.contype = 'p'
            where i.schemaname = $1 and i.tablename = any($2)
            order by i.tablename, i.indexname
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Schema });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = Tables });
        var indexes = new List<(string, string, string, string?)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            indexes.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return indexes;
    }

    /// <summary>
    /// Drops the live tables, renames the shadows (and their indexes) into their places, puts the mirroring triggers on
    /// the new document table and sets the projection's progress to the rebuild's high-water mark. In one
    /// transaction: readers wait for the lock a moment, then see the new read model whole.
    /// </summary>
    private string SwapSql(List<(string Table, string Index, string Definition, string? Constraint)> indexes, long through)
    {
        var sql = new System.Text.StringBuilder();
        sql.Append(CultureInfo.InvariantCulture, $"lock table {string.Join(", ", Tables.Select(t => $"{Schema}.{t}"))} in access exclusive mode;\n");
        foreach (var table in Tables)
        {
            sql.Append(CultureInfo.InvariantCulture, $"drop table {Schema}.{table};\n");
            sql.Append(CultureInfo.InvariantCulture, $"alter table {Schema}.{table}{Suffix} rename to {table};\n");
        }

        foreach (var (i, (table, index, _, constraint)) in indexes.Index())
        {
            sql.Append(constraint is not null
                ? $"alter table {Schema}.{table} rename constraint {ShadowIndex(i)} to {constraint};\n"
                : $"alter index {Schema}.{ShadowIndex(i)} rename to {index};\n");
        }

        sql.Append(JourneyTables.TriggerSql(Schema)).Append('\n');
        sql.Append(
            CultureInfo.InvariantCulture,
            $"""
             insert into {Schema}.mt_event_progression (name, last_seq_id, last_updated)
               select name, {through}, now() from unnest(array[{string.Join(", ", shards.ProgressNames.Select(n => $"'{n}'"))}]::varchar[]) as s(name)
             on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated;
             """);
        return sql.ToString();
    }
}
