using System.Globalization;
using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Analytics.ChurnRisk;

/// <summary>
/// The explicit warning signs in a customer's lifecycle journal, as of a moment: overdue against their own rhythm,
/// open complaints, a detractor answer, buying less often than before. The state is replayed from the journal's facts
/// up to that moment with the lifecycle engine itself, rather than read from the journal's current counters: a
/// snapshot calibrated at an earlier date must not see what happened after it, and for a snapshot calibrated today
/// the replay equals the counters. Thresholds (overdue factor, minimum purchases, what counts as a serious complaint or
/// a detractor) are the lifecycle rules', so the risk view and the AtRisk stage speak the same language.
/// </summary>
public static class ChurnSignals
{
    public static IReadOnlyList<ChurnReason> Evaluate(IEnumerable<LifecycleFact> facts, DateTimeOffset asOf, RuleSet rules, ChurnSignalWeights weights) =>
        AsOf(facts, asOf, rules, weights).Signals;

    /// <summary>The stage the journey was in at <paramref name="asOf"/> (null before its first fact) and its warning signs then.</summary>
    public static (LifecycleStage? Stage, IReadOnlyList<ChurnReason> Signals) AsOf(IEnumerable<LifecycleFact> facts, DateTimeOffset asOf, RuleSet rules, ChurnSignalWeights weights)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(weights);
        var known = facts.Where(f => f.OccurredAt <= asOf).Order(LifecycleFact.BusinessOrder).ToList();
        if (known.Count == 0)
        {
            return (null, []);
        }

        var state = LifecycleJournal.Replay(known, rules, asOf).State;
        var reasons = new List<ChurnReason>(4);
        AddIfPresent(reasons, Overdue(state, asOf, rules, weights));
        AddIfPresent(reasons, Complaints(state, rules, weights));
        AddIfPresent(reasons, Detractor(state.Counters.LastNps, asOf, rules, weights));
        AddIfPresent(reasons, FallingFrequency(known, asOf, weights));
        return (state.Stage, reasons);
    }

    /// <summary>Strength 0 at the customer's usual gap, 1 at OverdueFactor × that gap (when the AtRisk rule would fire).</summary>
    internal static ChurnReason? Overdue(LifecycleState state, DateTimeOffset asOf, RuleSet rules, ChurnSignalWeights weights)
    {
        if (state.Spell is not { } spell || spell.Purchases < rules.OverdueMinPurchases
            || DeadlineRules.MedianGap(spell.RecentPurchaseTimes) is not { } usual || usual <= TimeSpan.Zero)
        {
            return null;
        }

        var since = asOf - spell.LastPurchase.OccurredAt;
        var ratio = since / usual;
        var strength = rules.OverdueFactor > 1 ? Math.Clamp((ratio - 1) / (rules.OverdueFactor - 1), 0, 1) : ratio > 1 ? 1 : 0;
        return new ChurnReason(ChurnReasonCodes.Overdue, strength, weights.Overdue, string.Create(CultureInfo.InvariantCulture,
            $"no purchase for {since.TotalDays:0} days; usually one every {usual.TotalDays:0.#} days ({ratio:0.0}× the usual gap)"));
    }

    /// <summary>Strength 1 for an open complaint of at least the rules' serious severity, 0.5 for lesser or unrated ones.</summary>
    internal static ChurnReason? Complaints(LifecycleState state, RuleSet rules, ChurnSignalWeights weights)
    {
        var open = state.OpenComplaints;
        if (open.IsEmpty)
        {
            return null;
        }

        var serious = open.Count(c => c.Severity >= rules.ComplaintMinSeverity);
        var oldest = open.Min(c => c.FiledBy.OccurredAt);
        return new ChurnReason(ChurnReasonCodes.OpenComplaints, serious > 0 ? 1 : 0.5, weights.OpenComplaints, string.Create(CultureInfo.InvariantCulture,
            $"{open.Count} open complaint(s), {serious} of severity {rules.ComplaintMinSeverity.ToString().ToLowerInvariant()} or worse; oldest filed {oldest:yyyy-MM-dd}"));
    }

    internal static ChurnReason? Detractor(NpsAnswer? lastNps, DateTimeOffset asOf, RuleSet rules, ChurnSignalWeights weights)
    {
        if (lastNps is not { } answer || answer.Score > rules.DetractorMaxScore || answer.AnsweredAt < asOf.AddDays(-weights.DetractorLookbackDays))
        {
            return null;
        }

        return new ChurnReason(ChurnReasonCodes.Detractor, 1, weights.Detractor, string.Create(CultureInfo.InvariantCulture,
            $"last NPS answer was {answer.Score} (a detractor) on {answer.AnsweredAt:yyyy-MM-dd}"));
    }

    /// <summary>Strength 1 − recent/previous when the last window holds fewer purchases than the one before (at least 2).</summary>
    internal static ChurnReason? FallingFrequency(IReadOnlyList<LifecycleFact> facts, DateTimeOffset asOf, ChurnSignalWeights weights)
    {
        var window = TimeSpan.FromDays(weights.FrequencyWindowDays);
        int recent = 0, previous = 0;
        foreach (var fact in facts)
        {
            // Without the subscription history a renewal without amount counts as paid, as the lifecycle rules assume.
            if (!StageRules.IsPurchaseLike(LifecycleState.Initial, fact.Detail))
            {
                continue;
            }

            var age = asOf - fact.OccurredAt;
            if (age < window)
            {
                recent++;
            }
            else if (age < window * 2)
            {
                previous++;
            }
        }

        if (previous < 2 || recent >= previous)
        {
            return null;
        }

        return new ChurnReason(ChurnReasonCodes.FallingFrequency, 1 - ((double)recent / previous), weights.FallingFrequency, string.Create(CultureInfo.InvariantCulture,
            $"{recent} purchase(s) in the last {weights.FrequencyWindowDays} days against {previous} in the {weights.FrequencyWindowDays} days before"));
    }

    private static void AddIfPresent(List<ChurnReason> reasons, ChurnReason? reason)
    {
        if (reason is { Strength: > 0 })
        {
            reasons.Add(reason);
        }
    }
}
