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
        // so it holds one entry per customer and costs the trigger's delete-and-reinsert of a timeline one row, not all.
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_first_seen") { Columns = ["entered_at"], Predicate = "ordinal = 1" });
        // The stage distribution at a past instant counts the spells that ended on its day before it (see Flows).
        spells.Indexes.Add(new IndexDefinition("ix_cl_spells_left") { Columns = ["left_at"], Predicate = "left_at is not null" });
        yield return spells;

        // Per stage and UTC day, how many spells began and how many ended, overall (breakdown 0, channel and cohort ''),
        // by channel (1), by cohort (2) and by both (3). The number of customers in a stage at instant t is the spells
        // begun by t minus those ended by t, so whole days come from here (a few thousand rows) and only the day of t
        // from the spells themselves: stage distributions, now or as of any instant, without counting a million
        // journeys. Kept by a trigger on the spells, so it changes in the same transaction as they do.
        var flows = new Table(new PostgresqlObjectName(schema, Flows, SchemaUtils.IdentifierUsage.General));
        flows.AddColumn("breakdown", "smallint").NotNull().AsPrimaryKey();
        flows.AddColumn("channel", "varchar").NotNull().AsPrimaryKey();
        flows.AddColumn("cohort", "varchar").NotNull().AsPrimaryKey();
        flows.AddColumn("stage", "varchar").NotNull().AsPrimaryKey();
        flows.AddColumn("day", "date").NotNull().AsPrimaryKey();
        flows.AddColumn("entered", "bigint").NotNull();
        flows.AddColumn("exited", "bigint").NotNull();
        yield return flows;

        // Per acquisition cohort and month, overall (breakdown 0, channel '') and by channel (1): the customers who bought
        // (buyers), the net revenue and the number of customer-month rows (entries), per currency; currency '' holds
        // the customers who bought in any currency, each once. The cohort's size, per channel too, is in CohortSizes.
        // Kept by the journey trigger, which sees a customer's months before and after, so retention reads a few
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
    }

    /// <summary>
    /// Idempotent DDL for the mirroring triggers; run after Marten has created the document table. Most changes to a
    /// journey (another site visit, a tick that moves nothing) leave its timeline and months as they were, so the
    /// trigger compares before it writes and touches only the rows that differ: every row written costs a new row
    /// version, a lock and an entry in each index. The document is read once (jsonb_to_record): each -> on a stored
    /// document would fetch and decompress all of it again.
    /// </summary>
    public static string TriggerSql(string schema) => $$"""
        -- What a journey's months and cohort count, taken back for its old version and added for its new one (either may be
        -- absent: null), netted in one statement per table. PL/pgSQL, not SQL: PostgreSQL 15 plans a SQL function's
        -- statements on every call (0.56 ms a call under load), PL/pgSQL keeps its plans for the session.
        -- force_generic_plan on this and the triggers below: their statements test tg_op and nulls that a custom plan
        -- folds away, so the plan cache judged custom plans cheaper and planned every statement on every call again
        -- (perf of the live projection: a fifth of the server's time in the planner under the triggers).
        create or replace function {{schema}}.cl_count_cohorts(
          o_months jsonb, o_cohort varchar, o_channel varchar, n_months jsonb, n_cohort varchar, n_channel varchar) returns void language plpgsql
          set plan_cache_mode = force_generic_plan as $fn$
        begin
          with doc(sign, cohort, channel, months) as (
            select -1, o_cohort, o_channel, coalesce(o_months, '[]'::jsonb) where o_cohort is not null
            union all
            select 1, n_cohort, n_channel, coalesce(n_months, '[]'::jsonb) where n_cohort is not null
          ), entries(sign, cohort, channel, month, currency, purchases, revenue) as (
            select d.sign, d.cohort, d.channel, m->>'month', m->>'currency', (m->>'purchases')::integer, (m->>'revenue')::numeric
            from doc d cross join lateral jsonb_array_elements(d.months) as m
          ), counted(cohort, channel, month, currency, buyers, revenue, entries) as (
            select cohort, channel, month, currency, sign * (purchases > 0)::integer, sign * revenue, sign from entries
            union all
            select cohort, channel, month, '', sign, 0, 0 from (select distinct sign, cohort, channel, month from entries where purchases > 0) bought
          )
          insert into {{schema}}.{{CohortActivity}} as t (breakdown, channel, cohort, month, currency, buyers, revenue, entries)
          select b.breakdown, b.channel, c.cohort, c.month, c.currency, sum(c.buyers), sum(c.revenue), sum(c.entries)
          from counted c cross join lateral (values (0::smallint, ''::varchar), (1, c.channel)) as b(breakdown, channel)
          where b.channel is not null
          group by 1, 2, 3, 4, 5
          having sum(c.buyers) <> 0 or sum(c.revenue) <> 0 or sum(c.entries) <> 0
          on conflict (breakdown, channel, cohort, month, currency) do update
            set buyers = t.buyers + excluded.buyers, revenue = t.revenue + excluded.revenue, entries = t.entries + excluded.entries;

          insert into {{schema}}.{{CohortSizes}} as t (breakdown, channel, cohort, customers)
          select b.breakdown, b.channel, d.cohort, sum(d.sign)
          from (select -1, o_cohort, o_channel where o_cohort is not null union all select 1, n_cohort, n_channel where n_cohort is not null)
            as d(sign, cohort, channel)
          cross join lateral (values (0::smallint, ''::varchar), (1, d.channel)) as b(breakdown, channel)
          where b.channel is not null
          group by 1, 2, 3
          having sum(d.sign) <> 0
          on conflict (breakdown, channel, cohort) do update set customers = t.customers + excluded.customers;
        end $fn$;

        create or replace function {{schema}}.cl_mirror_journey() returns trigger language plpgsql
          set plan_cache_mode = force_generic_plan as $fn$
        declare
          n record;
          o record;
          spells_changed boolean := true;
          months_changed boolean := true;
          cohorts_changed boolean := true;
        begin
          if tg_op = 'DELETE' then
            select * into o from jsonb_to_record(old.data) as x(months jsonb, "acquisitionChannel" varchar, cohort varchar);
            perform {{schema}}.cl_count_cohorts(o.months, o.cohort, o."acquisitionChannel", null, null, null);
            delete from {{schema}}.{{Spells}} where customer_id = old.id;
            delete from {{schema}}.{{Months}} where customer_id = old.id;
            return null;
          end if;
          select * into n from jsonb_to_record(new.data) as x(
            spells jsonb, months jsonb, "acquisitionChannel" varchar, cohort varchar, "firstSeenMonth" varchar);
          if tg_op = 'UPDATE' then
            select * into o from jsonb_to_record(old.data) as x(
              spells jsonb, months jsonb, "acquisitionChannel" varchar, cohort varchar, "firstSeenMonth" varchar);
            -- Spell rows also carry the journey's channel, cohort and first-seen month.
            spells_changed := (n.spells, n."acquisitionChannel", n.cohort, n."firstSeenMonth")
                              is distinct from (o.spells, o."acquisitionChannel", o.cohort, o."firstSeenMonth");
            months_changed := (n.months, n.cohort) is distinct from (o.months, o.cohort);
            cohorts_changed := (n.months, n.cohort, n."acquisitionChannel") is distinct from (o.months, o.cohort, o."acquisitionChannel");
          end if;

          if cohorts_changed then
            if tg_op = 'INSERT' then
              perform {{schema}}.cl_count_cohorts(null, null, null, n.months, n.cohort, n."acquisitionChannel");
            else
              perform {{schema}}.cl_count_cohorts(o.months, o.cohort, o."acquisitionChannel", n.months, n.cohort, n."acquisitionChannel");
            end if;
          end if;

          if spells_changed then
            insert into {{schema}}.{{Spells}} as t (customer_id, ordinal, stage, entered_at, left_at, entered_by, channel, cohort, first_seen_month)
            select w.* from (
              select new.id as customer_id, s.ordinal::integer as ordinal, s.spell->>'stage' as stage, (s.spell->>'from')::timestamptz as entered_at,
                     (s.spell->>'until')::timestamptz as left_at, s.spell->>'enteredBy' as entered_by, n."acquisitionChannel" as channel,
                     n.cohort as cohort, n."firstSeenMonth" as first_seen_month
              from jsonb_array_elements(coalesce(n.spells, '[]'::jsonb)) with ordinality as s(spell, ordinal)) w
            where tg_op = 'INSERT' or not exists (
              select 1 from {{schema}}.{{Spells}} e
              where e.customer_id = w.customer_id and e.ordinal = w.ordinal
                and (e.stage, e.entered_at, e.left_at, e.entered_by, e.channel, e.cohort, e.first_seen_month)
                    is not distinct from (w.stage, w.entered_at, w.left_at, w.entered_by, w.channel, w.cohort, w.first_seen_month))
            on conflict (customer_id, ordinal) do update
              set stage = excluded.stage, entered_at = excluded.entered_at, left_at = excluded.left_at, entered_by = excluded.entered_by,
                  channel = excluded.channel, cohort = excluded.cohort, first_seen_month = excluded.first_seen_month;
            if tg_op = 'UPDATE' then
              if jsonb_array_length(coalesce(n.spells, '[]'::jsonb)) < jsonb_array_length(coalesce(o.spells, '[]'::jsonb)) then
                delete from {{schema}}.{{Spells}} where customer_id = new.id and ordinal > jsonb_array_length(coalesce(n.spells, '[]'::jsonb));
              end if;
            end if;
          end if;

          if months_changed then
            insert into {{schema}}.{{Months}} as t (customer_id, month, currency, cohort, purchases, revenue)
            select w.* from (
              select new.id as customer_id, m->>'month' as month, m->>'currency' as currency, n.cohort as cohort,
                     (m->>'purchases')::integer as purchases, (m->>'revenue')::numeric as revenue
              from jsonb_array_elements(coalesce(n.months, '[]'::jsonb)) as m) w
            -- Revenue compared as text too: 10.5 and 10.50 are equal numbers, not the same stored value.
            where tg_op = 'INSERT' or not exists (
              select 1 from {{schema}}.{{Months}} e
              where e.customer_id = w.customer_id and e.month = w.month and e.currency = w.currency
                and (e.cohort, e.purchases, e.revenue::text) is not distinct from (w.cohort, w.purchases, w.revenue::text))
            on conflict (customer_id, month, currency) do update
              set cohort = excluded.cohort, purchases = excluded.purchases, revenue = excluded.revenue;
            if tg_op = 'UPDATE' then
              delete from {{schema}}.{{Months}} t where t.customer_id = new.id
                and not exists (select 1 from jsonb_array_elements(coalesce(n.months, '[]'::jsonb)) as m
                                where m->>'month' = t.month and m->>'currency' = t.currency);
            end if;
          end if;
          return null;
        end $fn$;

        create or replace function {{schema}}.cl_mirror_journey_truncate() returns trigger language plpgsql as $fn$
        begin
          truncate {{schema}}.{{Spells}};
          truncate {{schema}}.{{Months}};
          truncate {{schema}}.{{Flows}};
          truncate {{schema}}.{{CohortActivity}};
          truncate {{schema}}.{{CohortSizes}};
          return null;
        end $fn$;

        drop trigger if exists cl_mirror_journey on {{schema}}.{{DocumentTable}};
        create trigger cl_mirror_journey after insert or delete on {{schema}}.{{DocumentTable}}
          for each row execute function {{schema}}.cl_mirror_journey();
        -- Most updates (a visit, a tick that moves a deadline) change nothing the mirrors hold: the mirror key
        -- (CustomerJourney.MirrorKey) tells without opening either document, and the function is not even called.
        drop trigger if exists cl_mirror_journey_change on {{schema}}.{{DocumentTable}};
        create trigger cl_mirror_journey_change after update on {{schema}}.{{DocumentTable}}
          for each row when (old.mirror_key is distinct from new.mirror_key) execute function {{schema}}.cl_mirror_journey();
        drop trigger if exists cl_mirror_journey_truncate on {{schema}}.{{DocumentTable}};
        create trigger cl_mirror_journey_truncate after truncate on {{schema}}.{{DocumentTable}}
          for each statement execute function {{schema}}.cl_mirror_journey_truncate();

        -- One statement per changed spell: what the old row counted is taken back and what the new row counts is added,
        -- netted first, so a spell that only closes touches only its end day's rows.
        create or replace function {{schema}}.cl_count_spell() returns trigger language plpgsql
          set plan_cache_mode = force_generic_plan as $fn$
        begin
          insert into {{schema}}.{{Flows}} as t (breakdown, channel, cohort, stage, day, entered, exited)
          select b.breakdown, b.channel, b.cohort, d.stage, d.day, sum(d.entered), sum(d.exited)
          from (
            select old.stage, (old.entered_at at time zone 'UTC')::date, -1, 0, old.channel, old.cohort where tg_op <> 'INSERT'
            union all
            select old.stage, (old.left_at at time zone 'UTC')::date, 0, -1, old.channel, old.cohort where tg_op <> 'INSERT' and old.left_at is not null
            union all
            select new.stage, (new.entered_at at time zone 'UTC')::date, 1, 0, new.channel, new.cohort where tg_op <> 'DELETE'
            union all
            select new.stage, (new.left_at at time zone 'UTC')::date, 0, 1, new.channel, new.cohort where tg_op <> 'DELETE' and new.left_at is not null
          ) d(stage, day, entered, exited, channel, cohort)
          cross join lateral (values (0::smallint, ''::varchar, ''::varchar), (1, d.channel, ''), (2, '', d.cohort), (3, d.channel, d.cohort))
            as b(breakdown, channel, cohort)
          where b.channel is not null and b.cohort is not null
          group by 1, 2, 3, 4, 5
          having sum(d.entered) <> 0 or sum(d.exited) <> 0
          on conflict (breakdown, channel, cohort, stage, day) do update
            set entered = t.entered + excluded.entered, exited = t.exited + excluded.exited;
          return null;
        end $fn$;

        -- In one block with the lock: a database that had spells before the flows existed gets them counted once, and
        -- nothing can change the spells between the trigger's creation and that count.
        do $do$
        begin
          -- Journeys before spells, the order in which the projection's writes lock them.
          lock table {{schema}}.{{DocumentTable}} in share row exclusive mode;
          lock table {{schema}}.{{Spells}} in share row exclusive mode;
          drop trigger if exists cl_count_spell on {{schema}}.{{Spells}};
          drop trigger if exists cl_count_spell_change on {{schema}}.{{Spells}};
          create trigger cl_count_spell after insert or delete on {{schema}}.{{Spells}}
            for each row execute function {{schema}}.cl_count_spell();
          -- Most spell updates only move the open spell's next deadline; they count nothing.
          create trigger cl_count_spell_change after update on {{schema}}.{{Spells}}
            for each row when ((old.stage, old.entered_at, old.left_at, old.channel, old.cohort)
                               is distinct from (new.stage, new.entered_at, new.left_at, new.channel, new.cohort))
            execute function {{schema}}.cl_count_spell();
          if not exists (select 1 from {{schema}}.{{Flows}}) and exists (select 1 from {{schema}}.{{Spells}}) then
            {{CountFlowsSql(schema, Spells, Flows)}}
          end if;
          if not exists (select 1 from {{schema}}.{{CohortSizes}}) and exists (select 1 from {{schema}}.{{DocumentTable}} where cohort is not null) then
            {{CountCohortsSql(schema, DocumentTable, Months, CohortActivity, CohortSizes)}}
          end if;
        end $do$;
        """;

    /// <summary>
    /// Counts the cohort activity and sizes of whole journey and month tables into empty ones (backfill and bulk
    /// rebuild). A month row carries its journey's cohort; the channel is the journey's lifted column.
    /// </summary>
    public static string CountCohortsSql(string schema, string journeys, string months, string activity, string sizes) => $"""
        insert into {schema}.{activity} (breakdown, channel, cohort, month, currency, buyers, revenue, entries)
            select b.breakdown, b.channel, c.cohort, c.month, c.currency, sum(c.buyers), sum(c.revenue), sum(c.entries)
            from (
              select m.cohort, j.acquisition_channel, m.month, m.currency, (m.purchases > 0)::integer, m.revenue, 1
              from {schema}.{months} m join {schema}.{journeys} j on j.id = m.customer_id
              where m.cohort is not null
              union all
              select cohort, channel, month, '', 1, 0, 0 from (
                select distinct m.customer_id, m.cohort, j.acquisition_channel as channel, m.month
                from {schema}.{months} m join {schema}.{journeys} j on j.id = m.customer_id
                where m.cohort is not null and m.purchases > 0) bought
            ) c(cohort, channel, month, currency, buyers, revenue, entries)
            cross join lateral (values (0::smallint, ''::varchar), (1, c.channel)) as b(breakdown, channel)
            where b.channel is not null
            group by 1, 2, 3, 4, 5;
        insert into {schema}.{sizes} (breakdown, channel, cohort, customers)
            select b.breakdown, b.channel, j.cohort, count(*)
            from {schema}.{journeys} j cross join lateral (values (0::smallint, ''::varchar), (1, j.acquisition_channel)) as b(breakdown, channel)
            where j.cohort is not null and b.channel is not null
            group by 1, 2, 3;
        """;

    /// <summary>Counts the flows of a whole spells table into an empty flows table (backfill and bulk rebuild).</summary>
    public static string CountFlowsSql(string schema, string spells, string flows) => $"""
        insert into {schema}.{flows} (breakdown, channel, cohort, stage, day, entered, exited)
            select b.breakdown, b.channel, b.cohort, d.stage, d.day, sum(d.entered), sum(d.exited)
            from (
              select stage, (entered_at at time zone 'UTC')::date, 1, 0, channel, cohort from {schema}.{spells}
              union all
              select stage, (left_at at time zone 'UTC')::date, 0, 1, channel, cohort from {schema}.{spells} where left_at is not null
            ) d(stage, day, entered, exited, channel, cohort)
            cross join lateral (values (0::smallint, ''::varchar, ''::varchar), (1, d.channel, ''), (2, '', d.cohort), (3, d.channel, d.cohort))
              as b(breakdown, channel, cohort)
            where b.channel is not null and b.cohort is not null
            group by 1, 2, 3, 4, 5;
        """;

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
        -- Until November 2026 the open spell carried the journey's next deadline; time in stage now reads it from the journey.
        alter table {{schema}}.{{Spells}} drop column if exists next_due_at;
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
