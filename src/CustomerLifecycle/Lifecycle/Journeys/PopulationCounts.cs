using System.Globalization;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// Histograms kept with the spells, so time in stage and the funnel are read, not measured over a population:
///
/// <list type="bullet">
/// <item><see cref="StageTime"/>: per stage, for each customer who has had a spell in it, the latest spell's length
/// (measure 0) and the total over their spells in it (measure 1), overall, by channel, by cohort and by both (the
/// breakdowns of <see cref="JourneyTables.Flows"/>). A length that is final sits in a duration bucket (2 % wide,
/// keeping the exact sum of its lengths); an open spell grows with the clock, so it sits under the UTC day it counts
/// from (its start, or for the total its start less the customer's closed time in the stage) with the exact sum of
/// those instants, and a read measures it to the moment of the read.</item>
/// <item><see cref="Funnel"/>: per first-seen UTC day (overall and by channel) and main-path step, how many entrants
/// reached the step (slot -1, with how many passed through that very stage and how many of those who passed through
/// the previous one reached it), and the time from the previous step in duration buckets (slots 0 and up).</item>
/// </list>
///
/// Every count derives from a customer's spell rows alone, by one SQL expression (<see cref="StageTimeSelect"/>,
/// <see cref="FunnelSelect"/>) used by all three writers: <see cref="JourneyWriter"/> adds each page's net change (the
/// customers' rows before the page and after it, in the statement that precedes the spell writes), the bulk rebuild
/// counts whole tables, and the journeys' delete trigger takes counts back.
/// </summary>
public static class PopulationCounts
{
    public const string StageTime = "cl_stage_time";
    public const string Funnel = "cl_funnel_counts";

    /// <summary>Bucket width: each duration bucket spans 2 % (a percentile read from it is within 1 % of the exact one).</summary>
    public const double BucketRatio = 1.02;

    /// <summary>The funnel's row of step counts (other slots are duration buckets).</summary>
    public const int StepCountSlot = -1;

    public const short LatestSpell = 0;
    public const short TotalTime = 1;

    public static IEnumerable<Table> Tables(string schema)
    {
        var time = new Table(new PostgresqlObjectName(schema, StageTime, SchemaUtils.IdentifierUsage.General));
        time.AddColumn("breakdown", "smallint").NotNull().AsPrimaryKey();
        time.AddColumn("channel", "varchar").NotNull().AsPrimaryKey();
        time.AddColumn("cohort", "varchar").NotNull().AsPrimaryKey();
        time.AddColumn("stage", "varchar").NotNull().AsPrimaryKey();
        time.AddColumn("measure", "smallint").NotNull().AsPrimaryKey();
        time.AddColumn("open", "boolean").NotNull().AsPrimaryKey();
        time.AddColumn("slot", "integer").NotNull().AsPrimaryKey();
        time.AddColumn("customers", "bigint").NotNull();
        time.AddColumn("spells", "bigint").NotNull();
        time.AddColumn("micros", "numeric").NotNull();
        yield return time;

        var funnel = new Table(new PostgresqlObjectName(schema, Funnel, SchemaUtils.IdentifierUsage.General));
        funnel.AddColumn("breakdown", "smallint").NotNull().AsPrimaryKey();
        funnel.AddColumn("channel", "varchar").NotNull().AsPrimaryKey();
        funnel.AddColumn("day", "date").NotNull().AsPrimaryKey();
        funnel.AddColumn("step", "smallint").NotNull().AsPrimaryKey();
        funnel.AddColumn("slot", "integer").NotNull().AsPrimaryKey();
        funnel.AddColumn("customers", "bigint").NotNull();
        funnel.AddColumn("passed", "bigint").NotNull();
        funnel.AddColumn("after_passing_previous", "bigint").NotNull();
        funnel.AddColumn("micros", "numeric").NotNull();
        yield return funnel;
    }

    private static readonly string BucketLog = Math.Log(BucketRatio).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The duration bucket of a length in microseconds (numeric, not negative): 0 up to a microsecond, then one per 2 %.</summary>
    public static string Bucket(string micros) => $"floor(ln(greatest({micros}, 1)::float8) / {BucketLog})::integer";

    /// <summary>The UTC day (days since 1970-01-01) of an instant in microseconds since the epoch.</summary>
    public static string Day(string micros) => $"floor(({micros}) / 86400000000)::integer";

    private static readonly string MainPath =
        $"array[{string.Join(", ", StageGroups.MainPath.Select(s => $"'{s}'"))}]::varchar[]";

    // Per customer, when they reached each step (their first spell in the step's stage or a later main-path one), and
    // whether they had a spell in the step's own stage.
    private static readonly string ReachedAt = string.Join(", ", Enumerable.Range(1, StageGroups.MainPath.Count)
        .Select(n => string.Create(CultureInfo.InvariantCulture, $"min(r.entered) filter (where main_path.position >= {n})")));

    private static readonly string PassedThrough = string.Join(", ", Enumerable.Range(1, StageGroups.MainPath.Count)
        .Select(n => string.Create(CultureInfo.InvariantCulture, $"coalesce(bool_or(main_path.position = {n}), false)")));

    /// <summary>
    /// An instant as whole microseconds since the epoch (bigint): from the float epoch, rounded. Add and take-back
    /// compute it from the same stored value, so they cancel exactly; float arithmetic keeps it cheap.
    /// </summary>
    public static string Micros(string instant) => $"round(date_part('epoch', {instant}) * 1000000)::bigint";

    /// <summary>
    /// The stage-time counts of the <c>stage_tally</c> CTE (<see cref="StageTally"/>), summed per key: key columns then
    /// customers, spells, micros. Summed per channel and cohort first, then spread over the four breakdowns.
    /// </summary>
    public static string StageTimeSelect() => $"""
        select b.breakdown, b.channel, b.cohort, g.stage, g.measure, g.open, g.slot,
               sum(g.customers)::bigint as customers, sum(g.spells)::bigint as spells, sum(g.micros) as micros
        from (
          select c.channel, c.cohort, c.stage, c.measure, c.open, c.slot,
                 sum(c.sign) as customers, sum(c.sign * c.spells) as spells, sum(c.sign * c.micros) as micros
          from (
            select t.sign, t.channel, t.cohort, t.stage, {LatestSpell}::smallint as measure, t.open_since is not null as open,
                   case when t.open_since is null then {Bucket("t.latest_closed")} else {Day("t.open_since")} end as slot,
                   coalesce(t.open_since, t.latest_closed) as micros, 0::bigint as spells
            from stage_tally t
            union all
            select t.sign, t.channel, t.cohort, t.stage, {TotalTime}::smallint, t.open_since is not null,
                   case when t.open_since is null then {Bucket("t.closed")} else {Day("t.open_since - t.closed")} end,
                   coalesce(t.open_since - t.closed, t.closed), t.spells
            from stage_tally t
          ) c
          group by 1, 2, 3, 4, 5, 6
        ) g
        cross join lateral (values (0::smallint, ''::varchar, ''::varchar), (1, g.channel, ''), (2, '', g.cohort), (3, g.channel, g.cohort))
          as b(breakdown, channel, cohort)
        where b.channel is not null and b.cohort is not null
        group by 1, 2, 3, 4, 5, 6, 7
        """;

    /// <summary>Per customer and stage of the relation: spells, closed time, the latest closed spell's length, the open spell's start (all in microseconds).</summary>
    private static string StageTally(string relation) => $"""
        stage_tally as (
          select m.sign, m.customer_id, m.stage, m.channel, m.cohort, count(*) as spells,
                 coalesce(sum(m.micros) filter (where m.closed), 0)::bigint as closed,
                 (max(array[m.ordinal::bigint, m.micros]) filter (where m.closed))[2] as latest_closed,
                 max(m.since) filter (where not m.closed) as open_since
          from (
            select r.sign, r.customer_id, r.ordinal, r.stage, r.channel, r.cohort, r.left_at is not null as closed,
                   {Micros("r.entered_at")} as since,
                   greatest({Micros("r.left_at")} - {Micros("r.entered_at")}, 0) as micros
            from {relation} r
          ) m
          group by m.sign, m.customer_id, m.stage, m.channel, m.cohort
        )
        """;

    /// <summary>
    /// The funnel counts of the <c>funnel_tally</c> CTE (<see cref="FunnelTally"/>), summed per key: key columns then
    /// customers, passed, after_passing_previous, micros. Summed per channel first, then spread over the two breakdowns.
    /// </summary>
    public static string FunnelSelect() => $"""
        select b.breakdown, b.channel, g.day, g.step, g.slot,
               sum(g.customers)::bigint as customers, sum(g.passed)::bigint as passed,
               sum(g.after_previous)::bigint as after_passing_previous, sum(g.micros) as micros
        from (
          select f.channel, (f.first_seen at time zone 'UTC')::date as day, step.n::smallint as step, s.slot,
                 sum(f.sign) as customers, sum(f.sign * s.passed) as passed, sum(f.sign * s.after_previous) as after_previous,
                 sum(f.sign * s.micros) as micros
          from funnel_tally f
          cross join lateral generate_series(1, cardinality(f.at)) as step(n)
          cross join lateral (
            select {StepCountSlot} as slot, f.passed[step.n]::integer as passed,
                   (step.n > 1 and f.passed[step.n - 1])::integer as after_previous, 0::bigint as micros
            union all
            select {Bucket("d.micros")}, 0, 0, d.micros
            from (select f.at[step.n] - f.at[step.n - 1] as micros) d
            where step.n > 1
          ) s
          where f.first_seen is not null and f.at[step.n] is not null
          group by 1, 2, 3, 4
        ) g
        cross join lateral (values (0::smallint, ''::varchar), (1, g.channel)) as b(breakdown, channel)
        where b.channel is not null
        group by 1, 2, 3, 4, 5
        """;

    /// <summary>
    /// The CTE <c>funnel_tally</c> that <see cref="FunnelSelect"/> reads: per customer of the relation, channel,
    /// first-seen instant, when each step was reached (microseconds) and whether its stage was passed through.
    /// </summary>
    public static string FunnelTally(string relation) => $"""
        funnel_tally as (
          select r.sign, r.customer_id, min(r.channel) as channel, min(r.entered_at) filter (where r.ordinal = 1) as first_seen,
                 array[{ReachedAt}] as at, array[{PassedThrough}] as passed
          from (select q.*, {Micros("q.entered_at")} as entered from {relation} q) r
          left join unnest({MainPath}) with ordinality as main_path(stage, position) on main_path.stage = r.stage
          group by r.sign, r.customer_id
        )
        """;

    private const string StageTimeColumns = "breakdown, channel, cohort, stage, measure, open, slot, customers, spells, micros";
    private const string FunnelColumns = "breakdown, channel, day, step, slot, customers, passed, after_passing_previous, micros";

    /// <summary>
    /// The statement adding what a relation of spell rows counts to the stage-time counts, given a WITH list that
    /// defines it as <c>signed(sign, customer_id, ordinal, stage, entered_at, left_at, channel, cohort,
    /// first_seen_month)</c> with sign 1 to add a row and -1 to take it back. Keys in sorted order, the order every
    /// writer of counts locks them in; a net change of zero is not written.
    /// </summary>
    public static string StageTimeAddSql(string schema, string withSigned, string table = StageTime, bool upsert = true) => $"""
        {withSigned}, {StageTally("signed")}
        insert into {schema}.{table} as t ({StageTimeColumns})
        select * from ({StageTimeSelect()}) c
        where c.customers <> 0 or c.spells <> 0 or c.micros <> 0
        order by 1, 2, 3, 4, 5, 6, 7
        {(upsert ? """
            on conflict (breakdown, channel, cohort, stage, measure, open, slot) do update
              set customers = t.customers + excluded.customers, spells = t.spells + excluded.spells, micros = t.micros + excluded.micros
            """ : "")};
        """;

    /// <summary>The same for the funnel counts.</summary>
    public static string FunnelAddSql(string schema, string withSigned, string table = Funnel, bool upsert = true) => $"""
        {withSigned}, {FunnelTally("signed")}
        insert into {schema}.{table} as t ({FunnelColumns})
        select * from ({FunnelSelect()}) c
        where c.customers <> 0 or c.passed <> 0 or c.after_passing_previous <> 0 or c.micros <> 0
        order by 1, 2, 3, 4, 5
        {(upsert ? """
            on conflict (breakdown, channel, day, step, slot) do update
              set customers = t.customers + excluded.customers, passed = t.passed + excluded.passed,
                  after_passing_previous = t.after_passing_previous + excluded.after_passing_previous, micros = t.micros + excluded.micros
            """ : "")};
        """;

    private static string AddSql(string schema, string withSigned, string stageTime = StageTime, string funnel = Funnel, bool upsert = true) =>
        StageTimeAddSql(schema, withSigned, stageTime, upsert) + "\n" + FunnelAddSql(schema, withSigned, funnel, upsert);

    private const string SpellColumns = "customer_id, ordinal, stage, entered_at, left_at, channel, cohort, first_seen_month";

    /// <summary>Counts a whole spells table into empty count tables (backfill, and the bulk rebuild's shadows, which have no keys yet).</summary>
    public static string CountAllSql(string schema, string spells, string stageTime = StageTime, string funnel = Funnel) =>
        AddSql(schema, $"with signed as (select 1 as sign, {SpellColumns} from {schema}.{spells})", stageTime, funnel, upsert: false);

    /// <summary>Takes back what the spells of the journeys in <paramref name="gone"/> (a relation with their id) count; run before they are deleted.</summary>
    public static string TakeBackSql(string schema, string gone) =>
        AddSql(schema, $"with signed as (select -1 as sign, {string.Join(", ", SpellColumns.Split(", ").Select(c => "s." + c))} from {schema}.{JourneyTables.Spells} s join {gone} g on s.customer_id = g.id)");

    /// <summary>
    /// The WITH list of a page's net change: the affected customers' spell rows as stored, taken back, and as they will be after
    /// the page's trims and upserts, added; for statements that run before the spell writes. Parameters: the affected ids, the upserted
    /// rows' columns (<see cref="SpellColumns"/>), the trims (customer id, keep-through ordinal).
    /// </summary>
    public static string PageWithSigned(string schema) => $"""
        with affected as (select distinct a.customer_id from unnest(?::varchar[]) as a(customer_id)),
        upserted as (
          select * from unnest(?::varchar[], ?::integer[], ?::varchar[], ?::timestamptz[], ?::timestamptz[], ?::varchar[], ?::varchar[], ?::varchar[])
            as u({SpellColumns})
        ),
        trimmed as (select * from unnest(?::varchar[], ?::integer[]) as t(customer_id, keep_through)),
        stored as (select {string.Join(", ", SpellColumns.Split(", ").Select(c => "s." + c))} from {schema}.{JourneyTables.Spells} s join affected a on a.customer_id = s.customer_id),
        signed as (
          select -1 as sign, o.* from stored o
          union all
          select 1, o.* from stored o
          where not exists (select 1 from upserted u where u.customer_id = o.customer_id and u.ordinal = o.ordinal)
            and not exists (select 1 from trimmed t where t.customer_id = o.customer_id and o.ordinal > t.keep_through)
          union all
          select 1, u.* from upserted u
        )
        """;

    /// <summary>
    /// The percentile of a distribution given as values with counts (in ascending value order), interpolated between
    /// the two nearest ranks as PostgreSQL's percentile_cont does; null when it is empty.
    /// </summary>
    public static double? Percentile(IReadOnlyList<(double Value, long Count)> sorted, double fraction)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        var total = sorted.Sum(v => v.Count);
        if (total <= 0)
        {
            return null;
        }

        var rank = fraction * (total - 1);
        var below = (long)Math.Floor(rank);
        var low = ValueAt(sorted, below);
        var high = ValueAt(sorted, Math.Min(below + 1, total - 1));
        return low + ((rank - below) * (high - low));
    }

    private static double ValueAt(IReadOnlyList<(double Value, long Count)> sorted, long index)
    {
        foreach (var (value, count) in sorted)
        {
            if (index < count)
            {
                return value;
            }

            index -= count;
        }

        return sorted[^1].Value;
    }
}
