using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// Flat, indexed mirrors of every journey's stage timeline and monthly activity, for questions across customers
/// (stage distribution at a past date, funnels, cohorts) that would otherwise have to open every journal.
///
/// They change in the same transaction as the journey documents: <see cref="JourneyWriter"/> writes both, set-wise per
/// page of events; the bulk rebuild writes both by COPY; deletes and truncates of journeys take the mirrors with them
/// through triggers (<see cref="TriggerSql"/>).
/// </summary>
public static class JourneyTables
{
    public const string Spells = "cl_stage_spells";
    public const string Months = "cl_customer_months";
    public const string Transitions = "cl_transitions";
    public const string Flows = "cl_stage_flows";
    public const string CohortActivity = "cl_cohort_activity";
    public const string CohortSizes = "cl_cohort_sizes";
    public const string DocumentTable = "mt_doc_customerjourney";

    /// <summary>The breakdown a count row belongs to: every customer (0), by channel (1), by cohort (2), by both (3); the cohort tables keep 0 and 1.</summary>
    public static short Breakdown(string? channel, string? cohort) => (short)((channel is null ? 0 : 1) + (cohort is null ? 0 : 2));

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
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_stage_entered") { Columns = ["stage", "entered_at"] });
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_entered") { Columns = ["entered_at"] });
        // The funnel picks its entrants by first-seen time: a customer's first spell starts at their first fact. Partial,
        // so it holds one entry per customer and a rewritten timeline's later spells cost it nothing.
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_first_seen") { Columns = ["entered_at"], Predicate = "ordinal = 1" });
        // The stage distribution at a past instant counts the spells that ended on its day before it (see Flows).
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_left") { Columns = ["left_at"], Predicate = "left_at is not null" });
        yield return spells;

        // Per stage and UTC day, how many spells began and how many ended, overall (breakdown 0, channel and cohort ''),
        // by channel (1), by cohort (2) and by both (3). The number of customers in a stage at instant t is the spells
        // begun by t minus those ended by t, so whole days come from here (a few thousand rows) and only the day of t
        // from the spells themselves: stage distributions, now or as of any instant, without counting a million
        // journeys. Kept with the spells (JourneyWriter adds each page's net change), in the same transaction.
        var flows = new Table(new PostgresqlObjectName(schema, Flows, SchemaUtils.IdentifierUsage.General));
        flows.AddColumn("breakdown", "smallint").NotNull().AsPrimaryKey();
        flows.AddColumn("channel", "varchar").NotNull().AsPrimaryKey();
        flows.AddColumn("cohort", "varchar").NotNull().AsPrimaryKey();
        flows.AddColumn("stage", "varchar").NotNull().AsPrimaryKey();
        flows.AddColumn("day", "date").NotNull().AsPrimaryKey();
        flows.AddColumn("entered", "bigint").NotNull();
        flows.AddColumn("exited", "bigint").NotNull();
        // The primary key's columns again, with the counts: "now" sums all of a breakdown's days (some 7,000 rows for
        // two years), and through the primary key alone each row cost a visit to a heap page of its own (breakdowns
        // and days interleave in the heap): 7,119 buffers and 3.5-6 ms per request at 200,000 customers, against 175
        // buffers through this one (an index-only scan). The price: updated counts are no longer HOT updates.
        flows.Indexes.Add(new IndexDefinition("ix_cl_flows_counts")
        {
            Columns = ["breakdown", "channel", "cohort", "stage", "day"],
            IncludeColumns = ["entered", "exited"],
        });
        yield return flows;

        // Per acquisition cohort and month, overall (breakdown 0, channel '') and by channel (1): the customers who bought
        // (buyers), the net revenue and the number of customer-month rows (entries), per currency; currency '' holds
        // the customers who bought in any currency, each once. The cohort's size, per channel too, is in CohortSizes.
        // Kept by JourneyWriter, which sees a customer's months before and after, so retention reads a few
        // hundred rows instead of counting distinct customers over every customer-month.
        var activity = new Table(new PostgresqlObjectName(schema, CohortActivity, SchemaUtils.IdentifierUsage.General));
        activity.AddColumn("breakdown", "smallint").NotNull().AsPrimaryKey();
        activity.AddColumn("channel", "varchar").NotNull().AsPrimaryKey();
        activity.AddColumn("cohort", "varchar").NotNull().AsPrimaryKey();
        activity.AddColumn("month", "varchar").NotNull().AsPrimaryKey();
        activity.AddColumn("currency", "varchar").NotNull().AsPrimaryKey();
        activity.AddColumn("buyers", "bigint").NotNull();
        activity.AddColumn("revenue", "numeric").NotNull();
        activity.AddColumn("entries", "bigint").NotNull();
        yield return activity;

        var sizes = new Table(new PostgresqlObjectName(schema, CohortSizes, SchemaUtils.IdentifierUsage.General));
        sizes.AddColumn("breakdown", "smallint").NotNull().AsPrimaryKey();
        sizes.AddColumn("channel", "varchar").NotNull().AsPrimaryKey();
        sizes.AddColumn("cohort", "varchar").NotNull().AsPrimaryKey();
        sizes.AddColumn("customers", "bigint").NotNull();
        yield return sizes;

        var months = new Table(new PostgresqlObjectName(schema, Months, SchemaUtils.IdentifierUsage.General));
        months.AddColumn("customer_id", "varchar").NotNull().AsPrimaryKey();
        months.AddColumn("month", "varchar").NotNull().AsPrimaryKey();
        months.AddColumn("currency", "varchar").NotNull().AsPrimaryKey();
        months.AddColumn("cohort", "varchar");
        months.AddColumn("purchases", "integer").NotNull();
        months.AddColumn("revenue", "numeric").NotNull();
        months.Indexes.Add(new IndexDefinition("ix_cl_months_cohort_month") { Columns = ["cohort", "month"] });
        yield return months;

        // Every transition a customer's journey ever believed, numbered in the order learned: appended, never deleted;
        // a late fact that shows one wrong sets its superseded_at (and the same in data). data holds the transition
        // exactly as the API shows it (instants to the tick, which timestamptz would round); the columns are for SQL.
        var transitions = new Table(new PostgresqlObjectName(schema, Transitions, SchemaUtils.IdentifierUsage.General));
        transitions.AddColumn("customer_id", "varchar").NotNull().AsPrimaryKey();
        transitions.AddColumn("ordinal", "integer").NotNull().AsPrimaryKey();
        transitions.AddColumn("to_stage", "varchar").NotNull();
        transitions.AddColumn("effective_at", "timestamptz").NotNull();
        transitions.AddColumn("learned_at", "timestamptz").NotNull();
        transitions.AddColumn("superseded_at", "timestamptz");
        transitions.AddColumn("is_correction", "boolean").NotNull();
        transitions.AddColumn("rule_id", "varchar").NotNull();
        transitions.AddColumn("data", "jsonb").NotNull();
        yield return transitions;

        foreach (var table in PopulationCounts.Tables(schema))
        {
            yield return table;
        }
    }

    /// <summary>
    /// Drops the row triggers with which older stores mirrored journeys. Runs before Marten's own migration: the
    /// update trigger's WHEN clause reads the journey's old mirror_key column, which Marten drops as unmapped.
    /// </summary>
    public static string RetiredTriggersSql(string schema) => $$"""
        do $do$
        begin
          if to_regclass('{{schema}}.{{DocumentTable}}') is not null then
            drop trigger if exists cl_mirror_journey on {{schema}}.{{DocumentTable}};
            drop trigger if exists cl_mirror_journey_change on {{schema}}.{{DocumentTable}};
          end if;
          if to_regclass('{{schema}}.{{Spells}}') is not null then
            drop trigger if exists cl_count_spell on {{schema}}.{{Spells}};
            drop trigger if exists cl_count_spell_change on {{schema}}.{{Spells}};
          end if;
        end $do$;
        drop function if exists {{schema}}.cl_mirror_journey();
        drop function if exists {{schema}}.cl_count_spell();
        drop function if exists {{schema}}.cl_count_cohorts(jsonb, varchar, varchar, jsonb, varchar, varchar);
        """;

    /// <summary>
    /// Idempotent DDL for the document table's triggers; run after Marten has created the table (and on a rebuilt one).
    /// Inserts and updates are mirrored by <see cref="JourneyWriter"/>, set-wise per page of events; a trigger refuses
    /// them from anyone else, since mirrors kept by two code paths drift apart. Deletes (Marten's own rebuild deletes
    /// every journey first) and truncates take the journeys' mirror rows and counts with them, set-wise per statement.
    /// Older stores mirrored every insert and update through row triggers (<see cref="RetiredTriggersSql"/> drops them).
    /// </summary>
    public static string TriggerSql(string schema) => $$"""
        create or replace function {{schema}}.cl_refuse_journey_write() returns trigger language plpgsql as $fn$
        begin
          raise exception 'journeys are written by the CustomerJourney projection only (JourneyWriter keeps their mirror tables and counts)'
            using hint = 'append events and let the projection fold them, or rebuild the projection';
        end $fn$;
        drop trigger if exists cl_journeys_written_by_projection on {{schema}}.{{DocumentTable}};
        create trigger cl_journeys_written_by_projection before insert or update on {{schema}}.{{DocumentTable}}
          for each statement when (current_setting('{{JourneyWriter.WriterSetting}}', true) is distinct from 'projection')
          execute function {{schema}}.cl_refuse_journey_write();

        -- What the deleted journeys counted is taken back (from their mirror rows, counted as a recount counts them), then
        -- the rows go. One statement per table for the whole delete, whatever its size.
        create or replace function {{schema}}.cl_mirror_journeys_deleted() returns trigger language plpgsql as $fn$
        begin
          -- Count tables in the order JourneyWriter writes them (histograms, flows, cohort activity, sizes), so a delete
          -- and a page in flight lock their rows in one order.
          {{PopulationCounts.TakeBackSql(schema, "gone")}}
          with spells as (delete from {{schema}}.{{Spells}} s using gone g where s.customer_id = g.id returning s.*)
          {{FlowCounts("spells", $"{schema}.{Flows}", takeBack: true)}}
          {{CohortCounts("gone", $"{schema}.{Months}", $"{schema}.{CohortActivity}", $"{schema}.{CohortSizes}", takeBack: true)}}
          delete from {{schema}}.{{Months}} m using gone g where m.customer_id = g.id;
          delete from {{schema}}.{{Transitions}} t using gone g where t.customer_id = g.id;
          return null;
        end $fn$;
        drop trigger if exists cl_mirror_journeys_deleted on {{schema}}.{{DocumentTable}};
        create trigger cl_mirror_journeys_deleted after delete on {{schema}}.{{DocumentTable}}
          referencing old table as gone for each statement execute function {{schema}}.cl_mirror_journeys_deleted();

        create or replace function {{schema}}.cl_mirror_journey_truncate() returns trigger language plpgsql as $fn$
        begin
          truncate {{schema}}.{{Spells}};
          truncate {{schema}}.{{Months}};
          truncate {{schema}}.{{Transitions}};
          truncate {{schema}}.{{Flows}};
          truncate {{schema}}.{{CohortActivity}};
          truncate {{schema}}.{{CohortSizes}};
          truncate {{schema}}.{{PopulationCounts.StageTime}};
          truncate {{schema}}.{{PopulationCounts.Funnel}};
          return null;
        end $fn$;
        drop trigger if exists cl_mirror_journey_truncate on {{schema}}.{{DocumentTable}};
        create trigger cl_mirror_journey_truncate after truncate on {{schema}}.{{DocumentTable}}
          for each statement execute function {{schema}}.cl_mirror_journey_truncate();

        -- A database that had spells or months before their counts (or histograms) existed gets them counted once, under a lock that
        -- keeps the projection from writing meanwhile.
        do $do$
        begin
          lock table {{schema}}.{{DocumentTable}} in share row exclusive mode;
          if not exists (select 1 from {{schema}}.{{Flows}}) and exists (select 1 from {{schema}}.{{Spells}}) then
            {{CountFlowsSql(schema, Spells, Flows)}}
          end if;
          if not exists (select 1 from {{schema}}.{{CohortSizes}}) and exists (select 1 from {{schema}}.{{DocumentTable}} where cohort is not null) then
            {{CountCohortsSql(schema, DocumentTable, Months, CohortActivity, CohortSizes)}}
          end if;
          if not exists (select 1 from {{schema}}.{{PopulationCounts.StageTime}}) and exists (select 1 from {{schema}}.{{Spells}}) then
            {{PopulationCounts.CountAllSql(schema, Spells)}}
          end if;
        end $do$;
        """;

    /// <summary>
    /// Counts the cohort activity and sizes of whole journey and month tables into empty ones (backfill and bulk
    /// rebuild). A month row carries its journey's cohort; the channel is the journey's lifted column.
    /// </summary>
    public static string CountCohortsSql(string schema, string journeys, string months, string activity, string sizes) =>
        CohortCounts($"{schema}.{journeys}", $"{schema}.{months}", $"{schema}.{activity}", $"{schema}.{sizes}", takeBack: false);

    /// <summary>Counts the flows of a whole spells table into an empty flows table (backfill and bulk rebuild).</summary>
    public static string CountFlowsSql(string schema, string spells, string flows) =>
        FlowCounts($"{schema}.{spells}", $"{schema}.{flows}", takeBack: false);

    /// <summary>
    /// What journeys (and their month rows) count in the cohort tables: inserted into empty tables, or (takeBack)
    /// subtracted from the kept counts, keys in sorted order (the order every writer of counts locks them in).
    /// </summary>
    private static string CohortCounts(string journeys, string months, string activity, string sizes, bool takeBack)
    {
        var sign = takeBack ? "-" : "";
        return $"""
            insert into {activity} as t (breakdown, channel, cohort, month, currency, buyers, revenue, entries)
                select b.breakdown, b.channel, c.cohort, c.month, c.currency, {sign}sum(c.buyers), {sign}sum(c.revenue), {sign}sum(c.entries)
                from (
                  select m.cohort, j.acquisition_channel, m.month, m.currency, (m.purchases > 0)::integer, m.revenue, 1
                  from {months} m join {journeys} j on j.id = m.customer_id
                  where m.cohort is not null
                  union all
                  select cohort, channel, month, '', 1, 0, 0 from (
                    select distinct m.customer_id, m.cohort, j.acquisition_channel as channel, m.month
                    from {months} m join {journeys} j on j.id = m.customer_id
                    where m.cohort is not null and m.purchases > 0) bought
                ) c(cohort, channel, month, currency, buyers, revenue, entries)
                cross join lateral (values (0::smallint, ''::varchar), (1, c.channel)) as b(breakdown, channel)
                where b.channel is not null
                group by 1, 2, 3, 4, 5
                {(takeBack ? """
                    order by 1, 2, 3, 4, 5
                    on conflict (breakdown, channel, cohort, month, currency) do update
                      set buyers = t.buyers + excluded.buyers, revenue = t.revenue + excluded.revenue, entries = t.entries + excluded.entries
                    """ : "")};
            insert into {sizes} as t (breakdown, channel, cohort, customers)
                select b.breakdown, b.channel, j.cohort, {sign}count(*)
                from {journeys} j cross join lateral (values (0::smallint, ''::varchar), (1, j.acquisition_channel)) as b(breakdown, channel)
                where j.cohort is not null and b.channel is not null
                group by 1, 2, 3
                {(takeBack ? "order by 1, 2, 3 on conflict (breakdown, channel, cohort) do update set customers = t.customers + excluded.customers" : "")};
            """;
    }

    /// <summary>What spells count in the stage flows: inserted into an empty table, or (takeBack) subtracted from the kept counts.</summary>
    private static string FlowCounts(string spells, string flows, bool takeBack)
    {
        var sign = takeBack ? "-" : "";
        return $"""
            insert into {flows} as t (breakdown, channel, cohort, stage, day, entered, exited)
                select b.breakdown, b.channel, b.cohort, d.stage, d.day, {sign}sum(d.entered), {sign}sum(d.exited)
                from (
                  select stage, (entered_at at time zone 'UTC')::date, 1, 0, channel, cohort from {spells}
                  union all
                  select stage, (left_at at time zone 'UTC')::date, 0, 1, channel, cohort from {spells} where left_at is not null
                ) d(stage, day, entered, exited, channel, cohort)
                cross join lateral (values (0::smallint, ''::varchar, ''::varchar), (1, d.channel, ''), (2, '', d.cohort), (3, d.channel, d.cohort))
                  as b(breakdown, channel, cohort)
                where b.channel is not null and b.cohort is not null
                group by 1, 2, 3, 4, 5
                {(takeBack ? """
                    order by 1, 2, 3, 4, 5
                    on conflict (breakdown, channel, cohort, stage, day) do update
                      set entered = t.entered + excluded.entered, exited = t.exited + excluded.exited
                    """ : "")};
            """;
    }

    /// <summary>The indexes behind the pages of customers in a stage, one per sort; created here, so Marten must ignore them.</summary>
    public static readonly IReadOnlyList<(string Name, string Column)> StagePageIndexes =
    [
        ("ix_cl_journey_stage_since", "stage_since"),
        ("ix_cl_journey_stage_activity", "last_activity_at"),
        ("ix_cl_journey_stage_id", "id"),
    ];

    /// <summary>
    /// Idempotent storage tuning for the document table. A journey document is rewritten on every event that reaches it
    /// and runs to kilobytes, so PostgreSQL compresses it each time: lz4 (where the server has it) costs about a quarter
    /// of the default pglz's time for the same documents. Values already stored keep their compression until rewritten.
    /// Also the (stage, sort column, id) indexes: a page of a stage's customers is then a short index walk, where
    /// Marten's one-column index on the stage left every journey in the stage to fetch and sort.
    /// </summary>
    public static string StorageSql(string schema) => $$"""
        -- Older stores kept the journey's next deadline on the open spell; time in stage reads it from the journey.
        alter table {{schema}}.{{Spells}} drop column if exists next_due_at;
        -- Older stores kept the mirror key in a column of its own for a trigger; JourneyWriter reads it from the document.
        alter table {{schema}}.{{DocumentTable}} drop column if exists mirror_key;
        do $do$
        begin
          if exists (select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) then
            alter table {{schema}}.{{DocumentTable}} alter column data set compression lz4;
          end if;
        end $do$;
        {{string.Concat(StagePageIndexes.Select(index =>
            $"create index if not exists {index.Name} on {schema}.{DocumentTable} (stage, {(index.Column == "id" ? "id" : index.Column + ", id")});\n"))}}
        """;
}
