using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CustomerLifecycle.Ingestion;

/// <summary>
/// Our own tables beside Marten's, created and migrated by Marten with the rest of the schema.
/// </summary>
public static class IngestionSchema
{
    public const string Ledger = "cl_touchpoint_ledger";
    public const string Rejections = "cl_ingestion_rejections";

    public static IEnumerable<Table> Tables(string schema)
    {
        // The idempotency ledger: one row per client event id, forever (not a time window), so that a retry years
        // later - or after the customer's data was erased - is still recognised. Keyed by the v5 UUID of the
        // client's id (16 bytes, cheaper to index than the text).
        var ledger = new Table(new PostgresqlObjectName(schema, Ledger, SchemaUtils.IdentifierUsage.General));
        ledger.AddColumn("store_id", "uuid").AsPrimaryKey();
        ledger.AddColumn("event_id", "text").NotNull();
        ledger.AddColumn("content_hash", "bytea").NotNull();
        ledger.AddColumn("customer_id", "text").NotNull();
        ledger.AddColumn("recorded_at", "timestamptz").NotNull();
        yield return ledger;

        // Quarantine: everything we refused, with the reason and the exact bytes we were sent; of a body over its limit
        // only a prefix (Ingestion:QuarantinePrefixBytes), with the whole body's size and SHA-256.
        var rejections = new Table(new PostgresqlObjectName(schema, Rejections, SchemaUtils.IdentifierUsage.General));
        rejections.AddColumn("id", "bigint").AsPrimaryKey().AutoIncrement();
        rejections.AddColumn("received_at", "timestamptz").NotNull();
        rejections.AddColumn("api_key", "text");
        rejections.AddColumn("endpoint", "text").NotNull();
        rejections.AddColumn("item_index", "integer");
        rejections.AddColumn("reason", "text").NotNull();
        rejections.AddColumn("event_id", "text");
        rejections.AddColumn("customer_id", "text");
        rejections.AddColumn("type", "text");
        rejections.AddColumn("errors", "jsonb").NotNull();
        rejections.AddColumn("payload", "bytea").NotNull();
        rejections.AddColumn("payload_bytes", "bigint");
        rejections.AddColumn("payload_sha256", "bytea");
        rejections.Indexes.Add(new IndexDefinition("ix_cl_rejections_received_at") { Columns = ["received_at"] });
        rejections.Indexes.Add(new IndexDefinition("ix_cl_rejections_event_id") { Columns = ["event_id"] });
        yield return rejections;
    }
}
