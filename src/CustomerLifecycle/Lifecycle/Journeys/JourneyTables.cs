using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// Flat, indexed mirrors of every journey's stage timeline and monthly activity, for questions across customers
/// (stage distribution at a past date, funnels, cohorts) that would otherwise have to open every journal.
///
/// Why triggers: the mirrors must change in the same transaction as the journey document, also during projection
/// rebuilds (Marten runs no projection side effects then). A trigger on Marten's document table gives exactly
/// that: whatever writes, deletes or truncates journeys, the mirrors follow.
/// </summary>
public static class JourneyTables
{
    public const string Spells = "cl_stage_spells";
    public const string Months = "cl_customer_months";
    public const string DocumentTable = "mt_doc_customerjourney";

    public static IEnumerable<Table> Tables(string schema)
    {
        var spells = new Table(new PostgresqlObjectName(schema, Spells, SchemaUtils.IdentifierUsage.General));
        spells.AddColumn("customer_id", "varchar").NotNull().AsPrimaryKey();
        spells.AddColumn("ordinal", "integer").NotNull().AsPrimaryKey();
        spells.AddColumn("stage", "varchar").NotNull();
        spells.AddColumn("entered_at", "timestamptz").NotNull();
        spells.AddColumn("left_at", "timestamptz");
        spells.AddColumn("entered_by", "varchar").NotNull();
        spells.AddColumn("channel", "varchar");
        spells.AddColumn("cohort", "varchar");
        spells.AddColumn("first_seen_month", "varchar");
        // The journey's next deadline, so an open spell can be measured without opening the journey (time in stage).
        spells.AddColumn("next_due_at", "timestamptz");
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_stage_entered") { Columns = ["stage", "entered_at"] });
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_entered") { Columns = ["entered_at"] });
        // The funnel picks its entrants by first-seen time: a customer's first spell starts at their first fact. Partial,
        // so it holds one entry per customer and costs the trigger's delete-and-reinsert of a timeline one row, not all.
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_first_seen") { Columns = ["entered_at"], Predicate = "ordinal = 1" });
        yield return spells;

        var months = new Table(new PostgresqlObjectName(schema, Months, SchemaUtils.IdentifierUsage.General));
        months.AddColumn("customer_id", "varchar").NotNull().AsPrimaryKey();
        months.AddColumn("month", "varchar").NotNull().AsPrimaryKey();
        months.AddColumn("currency", "varchar").NotNull().AsPrimaryKey();
        months.AddColumn("cohort", "varchar");
        months.AddColumn("purchases", "integer").NotNull();
        months.AddColumn("revenue", "numeric").NotNull();
        months.Indexes.Add(new IndexDefinition("ix_cl_months_cohort_month") { Columns = ["cohort", "month"] });
        yield return months;
    }

    /// <summary>Idempotent DDL for the mirroring triggers; run after Marten has created the document table.</summary>
    public static string TriggerSql(string schema) => $$"""
        create or replace function {{schema}}.cl_mirror_journey() returns trigger language plpgsql as $fn$
        begin
          if tg_op in ('UPDATE', 'DELETE') then
            delete from {{schema}}.{{Spells}} where customer_id = old.id;
            delete from {{schema}}.{{Months}} where customer_id = old.id;
          end if;
          if tg_op in ('INSERT', 'UPDATE') then
            insert into {{schema}}.{{Spells}} (customer_id, ordinal, stage, entered_at, left_at, entered_by, channel, cohort, first_seen_month, next_due_at)
            select new.id, s.ordinal, s.spell->>'stage', (s.spell->>'from')::timestamptz, (s.spell->>'until')::timestamptz,
                   s.spell->>'enteredBy', new.data->>'acquisitionChannel', new.data->>'cohort', new.data->>'firstSeenMonth',
                   (new.data->>'nextDueAt')::timestamptz
            from jsonb_array_elements(coalesce(new.data->'spells', '[]'::jsonb)) with ordinality as s(spell, ordinal);
            insert into {{schema}}.{{Months}} (customer_id, month, currency, cohort, purchases, revenue)
            select new.id, m->>'month', m->>'currency', new.data->>'cohort', (m->>'purchases')::integer, (m->>'revenue')::numeric
            from jsonb_array_elements(coalesce(new.data->'months', '[]'::jsonb)) as m;
          end if;
          return null;
        end $fn$;

        create or replace function {{schema}}.cl_mirror_journey_truncate() returns trigger language plpgsql as $fn$
        begin
          truncate {{schema}}.{{Spells}};
          truncate {{schema}}.{{Months}};
          return null;
        end $fn$;

        drop trigger if exists cl_mirror_journey on {{schema}}.{{DocumentTable}};
        create trigger cl_mirror_journey after insert or update or delete on {{schema}}.{{DocumentTable}}
          for each row execute function {{schema}}.cl_mirror_journey();
        drop trigger if exists cl_mirror_journey_truncate on {{schema}}.{{DocumentTable}};
        create trigger cl_mirror_journey_truncate after truncate on {{schema}}.{{DocumentTable}}
          for each statement execute function {{schema}}.cl_mirror_journey_truncate();
        """;
}
