namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The time-caused rules. A deadline is computed from the state alone (no clock): it fires at its due time if
/// nothing happened before then. Only deadlines after the last fact can fire: one due earlier either fired
/// before that fact or did not apply then, and never fires late. Every rule is documented on its id in <see cref="RuleIds"/>.
/// </summary>
internal static class DeadlineRules
{
    public sealed record Deadline(DateTimeOffset DueAt, LifecycleStage To, string RuleId, DeadlineCause Cause);

    /// <summary>The earliest deadline that can still fire, or null. Ties go to the rule listed first.</summary>
    public static Deadline? Next(LifecycleState state, RuleSet rules)
    {
        if (state.LastFactAt is not { } lastFactAt || state.Spell is not { } spell)
        {
            return null;
        }

        Deadline? next = null;
        foreach (var candidate in Candidates(state, spell, rules))
        {
            if (candidate.DueAt > lastFactAt && (next is null || candidate.DueAt < next.DueAt))
            {
                next = candidate;
            }
        }

        return next;
    }

    private static IEnumerable<Deadline> Candidates(LifecycleState state, BuyingSpell spell, RuleSet rules)
    {
        var last = spell.LastPurchase;
        if (state.Stage.IsInGoodStanding())
        {
            if (rules.InactiveAtRiskEnabled)
            {
                yield return Make(DeadlineKind.InactiveAtRisk, last, last.OccurredAt + rules.AtRiskAfter, LifecycleStage.AtRisk, RuleIds.InactiveAtRisk);
            }

            if (rules.OverdueAtRiskEnabled && spell.Purchases >= rules.OverdueMinPurchases && MedianGap(spell.RecentPurchaseTimes) is { } median)
            {
                var allowed = TimeSpan.FromTicks((long)Math.Round(median.Ticks * rules.OverdueFactor, MidpointRounding.ToEven));
                var due = last.OccurredAt + (allowed > rules.OverdueMin ? allowed : rules.OverdueMin);
                yield return Make(DeadlineKind.Overdue, last, due, LifecycleStage.AtRisk, RuleIds.OverdueAtRisk);
            }

            if (rules.ComplaintAtRiskEnabled)
            {
                foreach (var complaint in state.OpenComplaints)
                {
                    if (complaint.Severity >= rules.ComplaintMinSeverity)
                    {
                        var due = complaint.FiledBy.OccurredAt + rules.ComplaintOpen;
                        yield return Make(DeadlineKind.OpenComplaint, complaint.FiledBy, due, LifecycleStage.AtRisk, RuleIds.ComplaintAtRisk);
                    }
                }
            }
        }

        if (state.Stage.IsBuyingRelationship())
        {
            yield return Make(DeadlineKind.InactiveChurn, last, last.OccurredAt + rules.ChurnAfter, LifecycleStage.Churned, RuleIds.InactiveChurned);
        }
    }

    private static Deadline Make(DeadlineKind kind, FactRef startedBy, DateTimeOffset due, LifecycleStage to, string ruleId) =>
        new(due, to, ruleId, new DeadlineCause(kind, startedBy, due));

    /// <summary>The median gap between consecutive recent purchases; the mean of the middle two for an even count.</summary>
    internal static TimeSpan? MedianGap(IReadOnlyList<DateTimeOffset> purchases)
    {
        if (purchases.Count < 2)
        {
            return null;
        }

        var gaps = new long[purchases.Count - 1];
        for (var i = 1; i < purchases.Count; i++)
        {
            gaps[i - 1] = (purchases[i] - purchases[i - 1]).Ticks;
        }

        Array.Sort(gaps);
        var middle = gaps.Length / 2;
        return TimeSpan.FromTicks(gaps.Length % 2 == 1 ? gaps[middle] : (gaps[middle - 1] / 2) + (gaps[middle] / 2));
    }
}
