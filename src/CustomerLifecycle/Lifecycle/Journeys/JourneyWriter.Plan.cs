using System.Globalization;
using CustomerLifecycle.Infrastructure.Store;
using Marten;

namespace CustomerLifecycle.Lifecycle.Journeys;

// What a page changes in the mirror tables and counts, derived in C# from the rows before and after; pure.
public static partial class JourneyWriter
{
    /// <summary>What a page changes in the mirror tables and counts; pure, so it is tested without a database.</summary>
    public sealed class MirrorPlan
    {
        public List<SpellRow> SpellUpserts { get; } = [];

        /// <summary>Customers whose timeline got shorter: their spells after this ordinal go.</summary>
        public List<(string CustomerId, int KeepThrough)> SpellTrims { get; } = [];

        public List<MonthRow> MonthUpserts { get; } = [];

        public List<(string CustomerId, string Month, string Currency)> MonthDeletes { get; } = [];

        public SortedDictionary<FlowKey, (long Entered, long Exited)> Flows { get; } = new(FlowOrder);

        public SortedDictionary<ActivityKey, (long Buyers, decimal Revenue, long Entries)> Activity { get; } = new(ActivityOrder);

        public SortedDictionary<SizeKey, long> Sizes { get; } = new(SizeOrder);
    }

    public readonly record struct FlowKey(short Breakdown, string Channel, string Cohort, string Stage, DateOnly Day);

    public readonly record struct ActivityKey(short Breakdown, string Channel, string Cohort, string Month, string Currency);

    public readonly record struct SizeKey(short Breakdown, string Channel, string Cohort);

    // Keys in one fixed order (ordinal strings), the order their rows are written and locked in.
    private static int Ordinal(string a, string b) => string.CompareOrdinal(a, b);

    private static readonly Comparer<FlowKey> FlowOrder = Comparer<FlowKey>.Create((a, b) =>
        a.Breakdown != b.Breakdown ? a.Breakdown.CompareTo(b.Breakdown)
        : Ordinal(a.Channel, b.Channel) is not 0 and var c ? c
        : Ordinal(a.Cohort, b.Cohort) is not 0 and var h ? h
        : Ordinal(a.Stage, b.Stage) is not 0 and var s ? s
        : a.Day.CompareTo(b.Day));

    private static readonly Comparer<ActivityKey> ActivityOrder = Comparer<ActivityKey>.Create((a, b) =>
        a.Breakdown != b.Breakdown ? a.Breakdown.CompareTo(b.Breakdown)
        : Ordinal(a.Channel, b.Channel) is not 0 and var c ? c
        : Ordinal(a.Cohort, b.Cohort) is not 0 and var h ? h
        : Ordinal(a.Month, b.Month) is not 0 and var m ? m
        : Ordinal(a.Currency, b.Currency));

    private static readonly Comparer<SizeKey> SizeOrder = Comparer<SizeKey>.Create((a, b) =>
        a.Breakdown != b.Breakdown ? a.Breakdown.CompareTo(b.Breakdown)
        : Ordinal(a.Channel, b.Channel) is not 0 and var c ? c
        : Ordinal(a.Cohort, b.Cohort));

    public static MirrorPlan Plan(IEnumerable<JourneyChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        return Plan(changes.Select(c => (c.Before, c.Mirror)));
    }

    /// <summary>
    /// The rows to write and the net change of every count for these customers' mirror rows before (null: none) and
    /// after. Partial views (the rows a page can touch) compare like complete ones as long as both carry the same
    /// channel and cohort, which <see cref="JourneyFold"/> guarantees: rows outside them are unchanged and count the same.
    /// </summary>
    public static MirrorPlan Plan(IEnumerable<(MirrorView? Before, MirrorView After)> views)
    {
        ArgumentNullException.ThrowIfNull(views);
        var plan = new MirrorPlan();
        foreach (var (before, after) in views)
        {
            PlanSpells(plan, before, after);
            PlanMonths(plan, before, after);
            if (before is not null)
            {
                CountCohort(plan, before, -1);
            }

            CountCohort(plan, after, 1);
        }

        RemoveZeros(plan.Flows, v => v.Entered == 0 && v.Exited == 0);
        RemoveZeros(plan.Activity, v => v.Buyers == 0 && v.Revenue == 0 && v.Entries == 0);
        RemoveZeros(plan.Sizes, v => v == 0);
        return plan;
    }

    private static void PlanSpells(MirrorPlan plan, MirrorView? before, MirrorView after)
    {
        var old = before is null ? [] : before.Spells.ToDictionary(s => s.Ordinal);
        foreach (var spell in after.Spells)
        {
            if (old.Remove(spell.Ordinal, out var was) && was == spell)
            {
                continue;
            }

            if (was is not null)
            {
                CountSpell(plan, was, -1);
            }

            CountSpell(plan, spell, 1);
            plan.SpellUpserts.Add(spell);
        }

        // Spells left over are gone from a complete timeline that got shorter (a partial view covers every row it had).
        foreach (var gone in old.Values)
        {
            CountSpell(plan, gone, -1);
        }

        if (old.Count > 0)
        {
            plan.SpellTrims.Add((after.Id, after.Spells.Count == 0 ? 0 : after.Spells.Max(s => s.Ordinal)));
        }
    }

    /// <summary>A spell counts as entered on its first UTC day and, once closed, as exited on its last, in each breakdown it belongs to.</summary>
    private static void CountSpell(MirrorPlan plan, SpellRow spell, int sign)
    {
        foreach (var (breakdown, channel, cohort) in FlowBreakdowns(spell.Channel, spell.Cohort))
        {
            Add(plan.Flows, new FlowKey(breakdown, channel, cohort, spell.Stage, DateOnly.FromDateTime(spell.EnteredAt.UtcDateTime)), (sign, 0));
            if (spell.LeftAt is { } left)
            {
                Add(plan.Flows, new FlowKey(breakdown, channel, cohort, spell.Stage, DateOnly.FromDateTime(left.UtcDateTime)), (0, sign));
            }
        }
    }

    private static IEnumerable<(short, string, string)> FlowBreakdowns(string? channel, string? cohort)
    {
        yield return (0, "", "");
        if (channel is not null)
        {
            yield return (1, channel, "");
        }

        if (cohort is not null)
        {
            yield return (2, "", cohort);
        }

        if (channel is not null && cohort is not null)
        {
            yield return (3, channel, cohort);
        }
    }

    private static void PlanMonths(MirrorPlan plan, MirrorView? before, MirrorView after)
    {
        var old = before is null ? [] : before.Months.ToDictionary(m => (m.Month, m.Currency));
        foreach (var month in after.Months)
        {
            if (!old.Remove((month.Month, month.Currency), out var was) || !was.SameStoredValues(month))
            {
                plan.MonthUpserts.Add(month);
            }
        }

        plan.MonthDeletes.AddRange(old.Keys.Select(k => (after.Id, k.Month, k.Currency)));
    }

    /// <summary>
    /// What a journey adds to (sign 1) or takes back from (-1) its cohort's counts, overall and by channel: per month
    /// and currency a buyer if it bought, the net revenue and one entry; per month (currency '') one buyer if it
    /// bought in any currency; and one customer in the cohort's size. Nothing before the first purchase (no cohort).
    /// </summary>
    private static void CountCohort(MirrorPlan plan, MirrorView journey, int sign)
    {
        if (journey.Cohort is not { } cohort)
        {
            return;
        }

        foreach (var (breakdown, channel) in CohortBreakdowns(journey.Channel))
        {
            Add(plan.Sizes, new SizeKey(breakdown, channel, cohort), sign);
            foreach (var month in journey.Months)
            {
                Add(plan.Activity, new ActivityKey(breakdown, channel, cohort, month.Month, month.Currency),
                    (month.Purchases > 0 ? sign : 0, sign * month.Revenue, sign));
            }

            foreach (var bought in journey.Months.Where(m => m.Purchases > 0).Select(m => m.Month).Distinct(StringComparer.Ordinal))
            {
                Add(plan.Activity, new ActivityKey(breakdown, channel, cohort, bought, ""), (sign, 0m, 0));
            }
        }
    }

    private static IEnumerable<(short, string)> CohortBreakdowns(string? channel)
    {
        yield return (0, "");
        if (channel is not null)
        {
            yield return (1, channel);
        }
    }

    private static void Add<TKey>(SortedDictionary<TKey, (long, long)> counts, TKey key, (long, long) delta)
        where TKey : notnull
    {
        var (a, b) = counts.GetValueOrDefault(key);
        counts[key] = (a + delta.Item1, b + delta.Item2);
    }

    private static void Add<TKey>(SortedDictionary<TKey, (long, decimal, long)> counts, TKey key, (long, decimal, long) delta)
        where TKey : notnull
    {
        var (a, b, c) = counts.GetValueOrDefault(key);
        counts[key] = (a + delta.Item1, b + delta.Item2, c + delta.Item3);
    }

    private static void Add<TKey>(SortedDictionary<TKey, long> counts, TKey key, long delta)
        where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + delta;

    private static void RemoveZeros<TKey, TValue>(SortedDictionary<TKey, TValue> counts, Func<TValue, bool> isZero)
        where TKey : notnull
    {
        foreach (var key in counts.Where(c => isZero(c.Value)).Select(c => c.Key).ToList())
        {
            counts.Remove(key);
        }
    }
}
