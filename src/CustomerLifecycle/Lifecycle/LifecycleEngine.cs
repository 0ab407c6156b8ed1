namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The fold shared by replay and the journal, so both apply the very same rules in the very same order:
/// before a fact, every deadline due at or before its OccurredAt fires; then the fact's own rule.
/// </summary>
internal static class LifecycleEngine
{
    /// <summary>Fires, in due order, every deadline due at or before <paramref name="until"/>.</summary>
    public static LifecycleState AdvanceTo(LifecycleState state, DateTimeOffset until, RuleSet rules, List<StageChange> changes)
    {
        // Terminates: each deadline moves the customer to AtRisk or Churned, where fewer deadlines apply.
        while (DeadlineRules.Next(state, rules) is { } deadline && deadline.DueAt <= until)
        {
            changes.Add(new StageChange(state.Stage, deadline.To, deadline.RuleId, rules.Version, deadline.DueAt, deadline.Cause));
            state = state.Enter(deadline.To, deadline.DueAt);
        }

        return state;
    }

    public static LifecycleState Apply(LifecycleState state, LifecycleFact fact, RuleSet rules, List<StageChange> changes)
    {
        state = AdvanceTo(state, fact.OccurredAt, rules, changes);
        var (next, change) = StageRules.Apply(state, fact, rules);
        if (change is not null)
        {
            changes.Add(change);
        }

        return next;
    }

    public static ReplayResult Replay(IEnumerable<LifecycleFact> factsInBusinessOrder, RuleSet rules, DateTimeOffset horizon)
    {
        var changes = new List<StageChange>();
        var state = LifecycleState.Initial;
        foreach (var fact in factsInBusinessOrder)
        {
            state = Apply(state, fact, rules, changes);
        }

        state = AdvanceTo(state, horizon, rules, changes);
        return new ReplayResult(state, [.. changes], DeadlineRules.Next(state, rules)?.DueAt);
    }
}
