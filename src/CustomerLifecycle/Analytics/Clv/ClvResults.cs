using System.Text.Json;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Infrastructure.Store;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>
/// The per-customer results of every snapshot, one row per (snapshot, customer). A table of our own rather than
/// documents: a fit writes up to millions of rows at once (COPY), and the views filter, sort and aggregate them in SQL.
/// </summary>
public static class ClvResults
{
    public const string Table = "cl_clv_results";

    public static Table Definition(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, Table, SchemaUtils.IdentifierUsage.General));
        table.AddColumn("snapshot_id", "uuid").NotNull().AsPrimaryKey();
        table.AddColumn("customer_id", "varchar").NotNull().AsPrimaryKey();
        table.AddColumn("frequency", "integer").NotNull();
        table.AddColumn("recency", "double precision").NotNull();
        table.AddColumn("age", "double precision").NotNull();
        table.AddColumn("monetary_value", "double precision").NotNull();
        table.AddColumn("p_alive", "double precision").NotNull();
        table.AddColumn("expected_purchases", "double precision").NotNull();
        table.AddColumn("expected_spend", "double precision");
        table.AddColumn("clv", "double precision");
        table.AddColumn("expected_next_purchase", "date");
        table.AddColumn("net_revenue", "numeric").NotNull();
        table.AddColumn("margin", "numeric").NotNull();
        table.AddColumn("rfm_recency", "smallint").NotNull();
        table.AddColumn("rfm_frequency", "smallint").NotNull();
        table.AddColumn("rfm_monetary", "smallint").NotNull();
        table.AddColumn("segment", "varchar").NotNull();
        table.AddColumn("churn_risk", "double precision").NotNull();
        table.AddColumn("risk_reasons", "jsonb").NotNull();
        table.AddColumn("value_at_risk", "double precision");
        table.AddColumn("stage", "varchar");
        // A customer's history across snapshots, and the two orders the churn-risk list is read in (highest first,
        // customers without a value at risk last).
        table.Indexes.Add(new IndexDefinition("ix_cl_clv_results_customer") { Columns = ["customer_id"] });
        table.Indexes.Add(new IndexDefinition("ix_cl_clv_results_risk") { Columns = ["snapshot_id", "churn_risk"] });
        table.Indexes.Add(new IndexDefinition("ix_cl_clv_results_value_at_risk_desc")
        {
            Columns = ["snapshot_id", "value_at_risk"], SortOrder = SortOrder.Desc, NullsSortOrder = NullsSortOrder.Last,
        });
        return table;
    }

    private static readonly JsonSerializerOptions ReasonJson = new(JsonSerializerDefaults.Web);

    public static string ReasonsJson(IReadOnlyList<ChurnReason> reasons) => JsonSerializer.Serialize(reasons, ReasonJson);

    public static IReadOnlyList<ChurnReason> ReadReasons(string json) => JsonSerializer.Deserialize<List<ChurnReason>>(json, ReasonJson) ?? [];

    /// <summary>Removes a snapshot's rows: a fit that is run again (after a crash) starts from nothing.</summary>
    public static async Task DeleteAsync(NpgsqlConnection connection, Guid snapshotId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"delete from {StoreSetup.Schema}.{Table} where snapshot_id = $1", connection)
        {
            Parameters = { new NpgsqlParameter<Guid> { TypedValue = snapshotId } },
        };
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task WriteAsync(NpgsqlConnection connection, Guid snapshotId, IEnumerable<CustomerValue> values, CancellationToken ct)
    {
        await using var importer = await connection.BeginBinaryImportAsync(
            $"""
             copy {StoreSetup.Schema}.{Table} (snapshot_id, customer_id, frequency, recency, age, monetary_value, p_alive, expected_purchases,
               expected_spend, clv, expected_next_purchase, net_revenue, margin, rfm_recency, rfm_frequency, rfm_monetary, segment,
               churn_risk, risk_reasons, value_at_risk, stage) from stdin (format binary)
             """, ct);
        foreach (var v in values)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(snapshotId, NpgsqlDbType.Uuid, ct);
            await importer.WriteAsync(v.CustomerId, NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(v.Frequency, NpgsqlDbType.Integer, ct);
            await importer.WriteAsync(v.Recency, NpgsqlDbType.Double, ct);
            await importer.WriteAsync(v.T, NpgsqlDbType.Double, ct);
            await importer.WriteAsync(v.MonetaryValue, NpgsqlDbType.Double, ct);
            await importer.WriteAsync(v.ProbabilityAlive, NpgsqlDbType.Double, ct);
            await importer.WriteAsync(v.ExpectedPurchases, NpgsqlDbType.Double, ct);
            await WriteNullableAsync(importer, v.ExpectedSpendPerPurchase, ct);
            await WriteNullableAsync(importer, v.Clv, ct);
            if (v.ExpectedNextPurchase is { } next)
            {
                await importer.WriteAsync(next, NpgsqlDbType.Date, ct);
            }
            else
            {
                await importer.WriteNullAsync(ct);
            }

            await importer.WriteAsync(v.NetRevenue, NpgsqlDbType.Numeric, ct);
            await importer.WriteAsync(v.Margin, NpgsqlDbType.Numeric, ct);
            await importer.WriteAsync((short)v.Rfm.Recency, NpgsqlDbType.Smallint, ct);
            await importer.WriteAsync((short)v.Rfm.Frequency, NpgsqlDbType.Smallint, ct);
            await importer.WriteAsync((short)v.Rfm.Monetary, NpgsqlDbType.Smallint, ct);
            await importer.WriteAsync(v.Rfm.Segment.ToString(), NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(v.Churn.Risk, NpgsqlDbType.Double, ct);
            await importer.WriteAsync(ReasonsJson(v.Churn.Reasons), NpgsqlDbType.Jsonb, ct);
            await WriteNullableAsync(importer, v.ValueAtRisk, ct);
            if (v.Stage is { } stage)
            {
                await importer.WriteAsync(stage.ToString(), NpgsqlDbType.Varchar, ct);
            }
            else
            {
                await importer.WriteNullAsync(ct);
            }
        }

        await importer.CompleteAsync(ct);
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter importer, double? value, CancellationToken ct)
    {
        if (value is { } v)
        {
            await importer.WriteAsync(v, NpgsqlDbType.Double, ct);
        }
        else
        {
            await importer.WriteNullAsync(ct);
        }
    }

    /// <summary>Keeps the rows of the newest <paramref name="keep"/> snapshots with results (completed or degraded); the documents stay.</summary>
    public static async Task PurgeOlderAsync(NpgsqlDataSource dataSource, int keep, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             delete from {StoreSetup.Schema}.{Table} where snapshot_id in (
               select id from {StoreSetup.Schema}.{ClvSnapshotTable.Name} where status in ('Completed', 'Degraded')
               order by completed_at desc offset $1)
             """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = keep });
        await command.ExecuteNonQueryAsync(ct);
    }
}

/// <summary>Marten's table of <see cref="ClvSnapshot"/> documents, with the values the views filter on duplicated into columns.</summary>
public static class ClvSnapshotTable
{
    public const string Name = "mt_doc_clvsnapshot";
}
