using System.Globalization;
using CustomerLifecycle.Infrastructure.Store;
using Marten;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>A row of <see cref="JourneyTables.Spells"/>, exactly as stored.</summary>
public sealed record SpellRow(
    string CustomerId, int Ordinal, string Stage, DateTimeOffset EnteredAt, DateTimeOffset? LeftAt, string EnteredBy,
    string? Channel, string? Cohort, string? FirstSeenMonth)
{
    /// <summary>The row of a journey's spell: instants as the table holds them, channel and cohort the journey's.</summary>
    public static SpellRow Of(CustomerJourney journey, int ordinal, LifecycleStage stage, DateTimeOffset from, DateTimeOffset? until, string enteredBy)
    {
        ArgumentNullException.ThrowIfNull(journey);
        return new SpellRow(
            journey.Id, ordinal, stage.ToString(), JourneyWriter.AsParsedFromJson(from), until is { } u ? JourneyWriter.AsParsedFromJson(u) : null,
            enteredBy, journey.AcquisitionChannel, journey.Cohort, journey.FirstSeenMonth);
    }
}

/// <summary>A row of <see cref="JourneyTables.Months"/>, exactly as stored (the revenue keeps its scale: 10.50 is not 10.5).</summary>
public sealed record MonthRow(string CustomerId, string Month, string Currency, string? Cohort, int Purchases, decimal Revenue)
{
    public static MonthRow Of(CustomerJourney journey, MonthActivity month)
    {
        ArgumentNullException.ThrowIfNull(journey);
        ArgumentNullException.ThrowIfNull(month);
        return new MonthRow(journey.Id, month.Month, month.Currency, journey.Cohort, month.Purchases, month.Revenue);
    }

    public bool SameStoredValues(MonthRow other) =>
        other is not null && Cohort == other.Cohort && Purchases == other.Purchases
        && Revenue.ToString(CultureInfo.InvariantCulture) == other.Revenue.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Writes what a page of events changed, set-wise: one statement per table for the whole page, queued into the
/// daemon's batch so it commits with the projection's progress. The journeys (bounded documents), the transitions
/// learned (appended to the log) and superseded (their <c>superseded_at</c> set), the mirror rows that differ, and the
/// net change of every count kept over them (stage flows per day, cohort activity and sizes): one row per key (a row
/// written costs a new row version, a lock and an entry in each index). The bulk rebuild derives the same rows with
/// the same functions (<see cref="JourneyFold"/>) and counts them in one pass.
///
/// No trigger does this work: the document table refuses inserts and updates from any other writer (mirrors kept by
/// two code paths drift apart), and its delete trigger takes deleted journeys' rows and counts back.
/// </summary>
public static partial class JourneyWriter
{
    private const string Schema = StoreSetup.Schema;

    /// <summary>Set, for its transaction only, by the one writer allowed to insert and update journeys.</summary>
    public const string WriterSetting = "customer_lifecycle.journey_writer";

    /// <summary>Makes this transaction the writer (SET LOCAL: it returns no rows for the batch to read, and ends with the transaction).</summary>
    public const string ClaimSql = $"set local {WriterSetting} to 'projection'";

    private static readonly string DotnetType = typeof(CustomerJourney).FullName!;

    public static void Queue(IDocumentOperations operations, IReadOnlyList<JourneyChange> changes)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return;
        }

        var serializer = operations.DocumentStore.Options.Serializer();
        var plan = Plan(changes);
        operations.QueueSqlCommand(ClaimSql);
        QueueDocuments(operations, changes, serializer);
        QueueTransitions(operations, changes, serializer);
        QueuePopulationCounts(operations, plan);
        QueueSpells(operations, plan);
        QueueMonths(operations, plan);
        QueueCounts(operations, plan);
    }

    /// <summary>
    /// The instant a spell row holds: the document's JSON instant (100 ns digits) rounded to microseconds as PostgreSQL
    /// rounds it, rint(strtod(fraction) * 1e6), half to even, where Npgsql would truncate. Older stores derived the rows
    /// from the JSON in the database, so the same rounding keeps every store's rows equal to a recount.
    /// </summary>
    public static DateTimeOffset AsParsedFromJson(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        var fraction = ticks % TimeSpan.TicksPerSecond;
        // Both steps are correctly rounded IEEE operations, exactly as strtod and the C multiplication are.
        var micros = Math.Round(fraction / (double)TimeSpan.TicksPerSecond * 1_000_000d, MidpointRounding.ToEven);
        return new DateTimeOffset(ticks - fraction + ((long)micros * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }

    // Parameters are whole columns (arrays) unnested into rows: one statement and one plan per table, whatever the page.
    private static void QueueDocuments(IDocumentOperations operations, IReadOnlyList<JourneyChange> changes, ISerializer serializer)
    {
        static DateTimeOffset? Utc(DateTimeOffset? at) => at?.ToUniversalTime();
        operations.QueueSqlCommand(
            $"""
             insert into {Schema}.{JourneyTables.DocumentTable} as d
               (id, data, mt_dotnet_type, mt_version, mt_last_modified, stage, stage_since, next_due_at, last_activity_at, acquisition_channel, cohort)
             select u.id, u.data::jsonb, ?, u.version, transaction_timestamp(), u.stage, u.stage_since, u.next_due_at, u.last_activity_at, u.channel, u.cohort
             from unnest(?::varchar[], ?::text[], ?::bigint[], ?::varchar[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::varchar[], ?::varchar[])
               as u(id, data, version, stage, stage_since, next_due_at, last_activity_at, channel, cohort)
             on conflict (id) do update set
               data = excluded.data, mt_version = excluded.mt_version, mt_last_modified = excluded.mt_last_modified,
               stage = excluded.stage, stage_since = excluded.stage_since, next_due_at = excluded.next_due_at,
               last_activity_at = excluded.last_activity_at, acquisition_channel = excluded.acquisition_channel,
               cohort = excluded.cohort
             """,
            DotnetType,
            changes.Select(c => c.After.Id).ToArray(),
            changes.Select(c => c.Json ?? serializer.ToJson(c.After)).ToArray(),
            changes.Select(c => c.Version).ToArray(),
            changes.Select(c => c.After.Stage?.ToString()).ToArray(),
            changes.Select(c => Utc(c.After.StageSince)).ToArray(),
            changes.Select(c => Utc(c.After.NextDueAt)).ToArray(),
            changes.Select(c => Utc(c.After.LastActivityAt)).ToArray(),
            changes.Select(c => c.After.AcquisitionChannel).ToArray(),
            changes.Select(c => c.After.Cohort).ToArray());
    }

    /// <summary>
    /// The net change of the histograms (<see cref="PopulationCounts"/>) for the customers whose spells the page
    /// changes: counted from their rows as stored and as the spell writes queued next leave them.
    /// </summary>
    private static void QueuePopulationCounts(IDocumentOperations operations, MirrorPlan plan)
    {
        if (plan.SpellUpserts.Count == 0 && plan.SpellTrims.Count == 0)
        {
            return;
        }

        var rows = plan.SpellUpserts;
        object[] parameters =
        [
            rows.Select(r => r.CustomerId).Concat(plan.SpellTrims.Select(t => t.CustomerId)).Distinct(StringComparer.Ordinal).ToArray(),
            rows.Select(r => r.CustomerId).ToArray(),
            rows.Select(r => r.Ordinal).ToArray(),
            rows.Select(r => r.Stage).ToArray(),
            rows.Select(r => r.EnteredAt).ToArray(),
            rows.Select(r => r.LeftAt).ToArray(),
            rows.Select(r => r.Channel).ToArray(),
            rows.Select(r => r.Cohort).ToArray(),
            rows.Select(r => r.FirstSeenMonth).ToArray(),
            plan.SpellTrims.Select(t => t.CustomerId).ToArray(),
            plan.SpellTrims.Select(t => t.KeepThrough).ToArray(),
        ];
        operations.QueueSqlCommand(PopulationCounts.StageTimeAddSql(Schema, PageWithSigned), parameters);
        operations.QueueSqlCommand(PopulationCounts.FunnelAddSql(Schema, PageWithSigned), parameters);
    }

    private static readonly string PageWithSigned = PopulationCounts.PageWithSigned(Schema);

    private static void QueueSpells(IDocumentOperations operations, MirrorPlan plan)
    {
        if (plan.SpellTrims.Count > 0)
        {
            operations.QueueSqlCommand(
                $"""
                 delete from {Schema}.{JourneyTables.Spells} s using unnest(?::varchar[], ?::integer[]) as g(customer_id, keep_through)
                 where s.customer_id = g.customer_id and s.ordinal > g.keep_through
                 """,
                plan.SpellTrims.Select(t => t.CustomerId).ToArray(),
                plan.SpellTrims.Select(t => t.KeepThrough).ToArray());
        }

        if (plan.SpellUpserts.Count > 0)
        {
            var rows = plan.SpellUpserts;
            operations.QueueSqlCommand(
                $"""
                 insert into {Schema}.{JourneyTables.Spells} (customer_id, ordinal, stage, entered_at, left_at, entered_by, channel, cohort, first_seen_month)
                 select * from unnest(?::varchar[], ?::integer[], ?::varchar[], ?::timestamptz[], ?::timestamptz[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[])
                 on conflict (customer_id, ordinal) do update set
                   stage = excluded.stage, entered_at = excluded.entered_at, left_at = excluded.left_at, entered_by = excluded.entered_by,
                   channel = excluded.channel, cohort = excluded.cohort, first_seen_month = excluded.first_seen_month
                 """,
                rows.Select(r => r.CustomerId).ToArray(),
                rows.Select(r => r.Ordinal).ToArray(),
                rows.Select(r => r.Stage).ToArray(),
                rows.Select(r => r.EnteredAt).ToArray(),
                rows.Select(r => r.LeftAt).ToArray(),
                rows.Select(r => r.EnteredBy).ToArray(),
                rows.Select(r => r.Channel).ToArray(),
                rows.Select(r => r.Cohort).ToArray(),
                rows.Select(r => r.FirstSeenMonth).ToArray());
        }
    }

    private static void QueueMonths(IDocumentOperations operations, MirrorPlan plan)
    {
        if (plan.MonthDeletes.Count > 0)
        {
            operations.QueueSqlCommand(
                $"""
                 delete from {Schema}.{JourneyTables.Months} m using unnest(?::varchar[], ?::varchar[], ?::varchar[]) as g(customer_id, month, currency)
                 where m.customer_id = g.customer_id and m.month = g.month and m.currency = g.currency
                 """,
                plan.MonthDeletes.Select(d => d.CustomerId).ToArray(),
                plan.MonthDeletes.Select(d => d.Month).ToArray(),
                plan.MonthDeletes.Select(d => d.Currency).ToArray());
        }

        if (plan.MonthUpserts.Count > 0)
        {
            var rows = plan.MonthUpserts;
            operations.QueueSqlCommand(
                $"""
                 insert into {Schema}.{JourneyTables.Months} (customer_id, month, currency, cohort, purchases, revenue)
                 select * from unnest(?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::integer[], ?::numeric[])
                 on conflict (customer_id, month, currency) do update set cohort = excluded.cohort, purchases = excluded.purchases, revenue = excluded.revenue
                 """,
                rows.Select(r => r.CustomerId).ToArray(),
                rows.Select(r => r.Month).ToArray(),
                rows.Select(r => r.Currency).ToArray(),
                rows.Select(r => r.Cohort).ToArray(),
                rows.Select(r => r.Purchases).ToArray(),
                rows.Select(r => r.Revenue).ToArray());
        }
    }

    private static void QueueTransitions(IDocumentOperations operations, IReadOnlyList<JourneyChange> changes, ISerializer serializer)
    {
        var learned = changes.SelectMany(c => c.Learned.Select(t => (c.After.Id, t))).ToList();
        if (learned.Count > 0)
        {
            operations.QueueSqlCommand(
                $"""
                 insert into {Schema}.{JourneyTables.Transitions} (customer_id, ordinal, to_stage, effective_at, learned_at, superseded_at, is_correction, rule_id, data)
                 select * from unnest(?::varchar[], ?::integer[], ?::varchar[], ?::timestamptz[], ?::timestamptz[], ?::timestamptz[], ?::boolean[], ?::varchar[], ?::jsonb[])
                 """,
                learned.Select(l => l.Id).ToArray(),
                learned.Select(l => l.t.Ordinal).ToArray(),
                learned.Select(l => l.t.Transition.To.ToString()).ToArray(),
                learned.Select(l => l.t.Transition.EffectiveAt.ToUniversalTime()).ToArray(),
                learned.Select(l => l.t.Transition.LearnedAt.ToUniversalTime()).ToArray(),
                learned.Select(l => l.t.Transition.SupersededAt?.ToUniversalTime()).ToArray(),
                learned.Select(l => l.t.Transition.IsCorrection).ToArray(),
                learned.Select(l => l.t.Transition.RuleId).ToArray(),
                learned.Select(l => serializer.ToJson(l.t.Transition)).ToArray());
        }

        var superseded = changes.SelectMany(c => c.Superseded.Select(t => (c.After.Id, t))).ToList();
        if (superseded.Count > 0)
        {
            operations.QueueSqlCommand(
                $"""
                 update {Schema}.{JourneyTables.Transitions} t set superseded_at = u.superseded_at, data = u.data
                 from unnest(?::varchar[], ?::integer[], ?::timestamptz[], ?::jsonb[]) as u(customer_id, ordinal, superseded_at, data)
                 where t.customer_id = u.customer_id and t.ordinal = u.ordinal
                 """,
                superseded.Select(l => l.Id).ToArray(),
                superseded.Select(l => l.t.Ordinal).ToArray(),
                superseded.Select(l => l.t.Transition.SupersededAt?.ToUniversalTime()).ToArray(),
                superseded.Select(l => serializer.ToJson(l.t.Transition)).ToArray());
        }
    }

    // The counts are added to (a key's first count inserts its row); keys in sorted order, so concurrent writers of
    // counts (a journey deleted meanwhile) lock them in the same order.
    private static void QueueCounts(IDocumentOperations operations, MirrorPlan plan)
    {
        if (plan.Flows.Count > 0)
        {
            operations.QueueSqlCommand(
                $"""
                 insert into {Schema}.{JourneyTables.Flows} as t (breakdown, channel, cohort, stage, day, entered, exited)
                 select * from unnest(?::smallint[], ?::varchar[], ?::varchar[], ?::varchar[], ?::date[], ?::bigint[], ?::bigint[])
                 on conflict (breakdown, channel, cohort, stage, day) do update
                   set entered = t.entered + excluded.entered, exited = t.exited + excluded.exited
                 """,
                plan.Flows.Keys.Select(k => k.Breakdown).ToArray(),
                plan.Flows.Keys.Select(k => k.Channel).ToArray(),
                plan.Flows.Keys.Select(k => k.Cohort).ToArray(),
                plan.Flows.Keys.Select(k => k.Stage).ToArray(),
                plan.Flows.Keys.Select(k => k.Day).ToArray(),
                plan.Flows.Values.Select(v => v.Entered).ToArray(),
                plan.Flows.Values.Select(v => v.Exited).ToArray());
        }

        if (plan.Activity.Count > 0)
        {
            operations.QueueSqlCommand(
                $"""
                 insert into {Schema}.{JourneyTables.CohortActivity} as t (breakdown, channel, cohort, month, currency, buyers, revenue, entries)
                 select * from unnest(?::smallint[], ?::varchar[], ?::varchar[], ?::varchar[], ?::varchar[], ?::bigint[], ?::numeric[], ?::bigint[])
                 on conflict (breakdown, channel, cohort, month, currency) do update
                   set buyers = t.buyers + excluded.buyers, revenue = t.revenue + excluded.revenue, entries = t.entries + excluded.entries
                 """,
                plan.Activity.Keys.Select(k => k.Breakdown).ToArray(),
                plan.Activity.Keys.Select(k => k.Channel).ToArray(),
                plan.Activity.Keys.Select(k => k.Cohort).ToArray(),
                plan.Activity.Keys.Select(k => k.Month).ToArray(),
                plan.Activity.Keys.Select(k => k.Currency).ToArray(),
                plan.Activity.Values.Select(v => v.Buyers).ToArray(),
                plan.Activity.Values.Select(v => v.Revenue).ToArray(),
                plan.Activity.Values.Select(v => v.Entries).ToArray());
        }

        if (plan.Sizes.Count > 0)
        {
            operations.QueueSqlCommand(
                $"""
                 insert into {Schema}.{JourneyTables.CohortSizes} as t (breakdown, channel, cohort, customers)
                 select * from unnest(?::smallint[], ?::varchar[], ?::varchar[], ?::bigint[])
                 on conflict (breakdown, channel, cohort) do update set customers = t.customers + excluded.customers
                 """,
                plan.Sizes.Keys.Select(k => k.Breakdown).ToArray(),
                plan.Sizes.Keys.Select(k => k.Channel).ToArray(),
                plan.Sizes.Keys.Select(k => k.Cohort).ToArray(),
                plan.Sizes.Values.ToArray());
        }
    }
}
