using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// Given(facts).When(fact or AdvanceTo(time)).Then(...): the journal learns the given facts in order, then one
/// more step; the Then checks look at the current stage and at the transitions that step added to the log.
/// </summary>
internal sealed class Scenario
{
    private readonly int logCountBefore;

    private Scenario(LifecycleJournal journal, int logCountBefore)
    {
        Journal = journal;
        this.logCountBefore = logCountBefore;
    }

    public LifecycleJournal Journal { get; }

    /// <summary>Log entries added by the When step, in the order learned.</summary>
    public IReadOnlyList<StageTransition> NewTransitions => [.. Journal.Log.Skip(logCountBefore)];

    public static Scenario Given(params LifecycleFact[] facts) => Given(RuleSet.Default, facts);

    public static Scenario Given(RuleSet rules, params LifecycleFact[] facts)
    {
        var journal = facts.Aggregate(LifecycleJournal.Start(rules), (j, f) => j.Apply(f));
        return new Scenario(journal, journal.Log.Count);
    }

    public static Advance AdvanceTo(DateTimeOffset horizon) => new(horizon);

    public static Expected T(string ruleId, LifecycleStage? from, LifecycleStage to, DateTimeOffset at) => new(ruleId, from, to, at);

    public Scenario When(LifecycleFact fact) => new(Journal.Apply(fact), Journal.Log.Count);

    public Scenario When(Advance advance) => new(Journal.AdvanceTo(advance.Horizon), Journal.Log.Count);

    /// <summary>A further step whose transitions are not asserted (setting the scene).</summary>
    public Scenario And(LifecycleFact fact) => new(Journal.Apply(fact), logCountBefore);

    public Scenario And(Advance advance) => new(Journal.AdvanceTo(advance.Horizon), logCountBefore);

    public Scenario Then(LifecycleStage? stage)
    {
        Assert.Equal(stage, Journal.CurrentStage);
        return this;
    }

    public Scenario ThenSince(DateTimeOffset since)
    {
        Assert.Equal(since, Journal.CurrentStageSince);
        return this;
    }

    /// <summary>Exactly these transitions were added by the When step (and any And steps after it).</summary>
    public Scenario ThenTransitions(params Expected[] expected)
    {
        Assert.Equal(expected, NewTransitions.Select(t => new Expected(t.RuleId, t.From, t.To, t.EffectiveAt)));
        return this;
    }

    public Scenario ThenNoNewTransition()
    {
        Assert.Empty(NewTransitions);
        return this;
    }

    public sealed record Advance(DateTimeOffset Horizon);

    public sealed record Expected(string RuleId, LifecycleStage? From, LifecycleStage To, DateTimeOffset At);
}
