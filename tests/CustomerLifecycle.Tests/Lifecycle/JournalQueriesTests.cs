using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Lifecycle.LifecycleStage;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

// Timeline, time in stage, verify and compare.
public class JournalQueriesTests
{
    [Fact]
    public void Timeline_lists_the_believed_spells_with_the_rule_that_started_each()
    {
        var journal = LifecycleJournal.Rebuild([Ad(Day(0)), Buy(Day(10))], RuleSet.Default, Day(200));

        Assert.Equal(
            [
                new StageSpell(Prospect, Day(0), Day(10), RuleIds.FirstTouch),
                new StageSpell(Customer, Day(10), Day(100), RuleIds.FirstPurchase),
                new StageSpell(AtRisk, Day(100), Day(190), RuleIds.InactiveAtRisk),
                new StageSpell(Churned, Day(190), null, RuleIds.InactiveChurned),
            ],
            journal.Timeline);
    }

    [Fact]
    public void Time_in_stage_is_measured_up_to_the_horizon()
    {
        var journal = LifecycleJournal.Rebuild([Ad(Day(0)), Buy(Day(10))], RuleSet.Default, Day(200));

        Assert.Equal(
            [(Prospect, 10.0), (Customer, 90.0), (AtRisk, 90.0), (Churned, 10.0)],
            journal.TimeInStages.Select(t => (t.Stage, t.Total.TotalDays)));
    }

    [Fact]
    public void Time_in_stage_adds_up_every_spell_and_shows_the_latest()
    {
        var journal = LifecycleJournal.Start(RuleSet.Default).Apply(Buy(Day(0))).AdvanceTo(Day(95)).Apply(Buy(Day(100))).AdvanceTo(Day(200));

        var atRisk = Assert.Single(journal.TimeInStages, t => t.Stage == AtRisk);

        Assert.Equal(new TimeInStage(AtRisk, TimeSpan.FromDays(20), 2, Day(190), TimeSpan.FromDays(10)), atRisk);
        Assert.Equal(
            [(Customer, 90.0), (RepeatCustomer, 90.0), (AtRisk, 20.0)],
            journal.TimeInStages.Select(t => (t.Stage, t.Total.TotalDays)));
    }

    [Fact]
    public void Verify_finds_a_consistent_journal_consistent()
    {
        var journal = LifecycleJournal.Rebuild([Buy(Day(0)), Buy(Day(100)).RecordedOn(Day(120))], RuleSet.Default, Day(300));

        var comparison = journal.Verify();

        Assert.True(comparison.IsConsistent);
        Assert.Empty(comparison.OnlyBelieved);
        Assert.Empty(comparison.OnlyRecomputed);
    }

    [Fact]
    public void Compare_reports_what_only_one_side_has()
    {
        var journal = LifecycleJournal.Rebuild([Buy(Day(0))], RuleSet.Default, Day(200));
        var recomputed = LifecycleJournal.Replay(journal.Facts, RuleSet.Default with { ChurnAfterDays = 365 }, Day(200)).Changes;

        var comparison = HistoryComparison.Compare(journal.History, recomputed);

        Assert.False(comparison.IsConsistent);
        Assert.Equal(RuleIds.InactiveChurned, Assert.Single(comparison.OnlyBelieved).RuleId);
        Assert.Empty(comparison.OnlyRecomputed);
    }

    [Fact]
    public void History_as_known_at_a_time_leaves_out_what_was_learned_later()
    {
        var journal = LifecycleJournal.Start(RuleSet.Default).Apply(Buy(Day(0))).AdvanceTo(Day(200));

        Assert.Equal([RuleIds.FirstPurchase, RuleIds.InactiveAtRisk], journal.HistoryAsKnownAt(Day(100)).Select(t => t.RuleId));
    }
}
