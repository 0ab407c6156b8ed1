using System.Collections.Immutable;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The difference between a believed history and a recomputed one, for the audit API's verify and for
/// checking a stored journal after a rules or code change. Changes are matched on
/// <see cref="StageChange.Key"/> (from, to, rule, effective time, cause event); each list is in business order.
/// </summary>
public sealed record HistoryComparison(ImmutableList<StageChange> OnlyBelieved, ImmutableList<StageChange> OnlyRecomputed)
{
    public bool IsConsistent => OnlyBelieved.IsEmpty && OnlyRecomputed.IsEmpty;

    public static HistoryComparison Compare(IEnumerable<StageTransition> believed, IEnumerable<StageChange> recomputed)
    {
        ArgumentNullException.ThrowIfNull(believed);
        return Compare(believed.Select(t => t.Change), recomputed);
    }

    public static HistoryComparison Compare(IEnumerable<StageChange> believed, IEnumerable<StageChange> recomputed)
    {
        ArgumentNullException.ThrowIfNull(believed);
        ArgumentNullException.ThrowIfNull(recomputed);
        var left = believed.ToList();
        var right = recomputed.ToList();
        return new(Unmatched(left, right), Unmatched(right, left));
    }

    /// <summary>The changes of <paramref name="these"/> that <paramref name="others"/> lacks, counting duplicates.</summary>
    private static ImmutableList<StageChange> Unmatched(List<StageChange> these, List<StageChange> others)
    {
        var available = others.GroupBy(c => c.Key).ToDictionary(g => g.Key, g => g.Count());
        var unmatched = new List<StageChange>();
        foreach (var change in these)
        {
            if (available.GetValueOrDefault(change.Key) is var n and > 0)
            {
                available[change.Key] = n - 1;
            }
            else
            {
                unmatched.Add(change);
            }
        }

        return [.. unmatched.Order(StageChange.BusinessOrder)];
    }
}
