using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Lifecycle.LifecycleStage;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

// The bitemporal journal: knowledge order, late facts, corrections, sweeps.
public class JournalTests
{
    private static readonly RuleSet Rules = RuleSet.Default;

    /// <summary>Bought on day 0; a sweep on day 95 found the customer at risk since day 90.</summary>
    private static LifecycleJournal AtRiskSinceDayNinety() => LifecycleJournal.Start(Rules).Apply(Buy(Day(0))).AdvanceTo(Day(95));

    [Fact]
    public void Late_purchase_cancels_a_past_at_risk_transition()
    {
        var believed = AtRiskSinceDayNinety();
        Assert.Equal(AtRisk, believed.CurrentStage);

        var corrected = believed.Apply(Buy(Day(80)).RecordedOn(Day(100)));

        Assert.Equal(RepeatCustomer, corrected.CurrentStage);
        Assert.Equal(Day(100), corrected.Horizon);
        var atRisk = Assert.Single(corrected.Log, t => t.RuleId == RuleIds.InactiveAtRisk);
        Assert.Equal((Day(90), Day(90), false, Day(100)), (atRisk.EffectiveAt, atRisk.LearnedAt, atRisk.IsCorrection, atRisk.SupersededAt));
        var repeat = Assert.Single(corrected.Log, t => t.RuleId == RuleIds.RepeatPurchase);
        Assert.Equal((Day(80), Day(100), true, (DateTimeOffset?)null), (repeat.EffectiveAt, repeat.LearnedAt, repeat.IsCorrection, repeat.SupersededAt));
        Assert.Equal(3, corrected.Log.Count);
        Assert.Equal([RuleIds.FirstPurchase, RuleIds.RepeatPurchase], corrected.History.Select(t => t.RuleId));
        Assert.Equal(Day(170), corrected.NextDueAt);
    }

    [Fact]
    public void Stage_as_known_at_a_time_returns_the_old_belief_before_the_late_fact_and_the_new_one_after()
    {
        var corrected = AtRiskSinceDayNinety().Apply(Buy(Day(80)).RecordedOn(Day(100)));

        Assert.Equal(Customer, corrected.StageAt(Day(95), knownAt: Day(89)));
        Assert.Equal(AtRisk, corrected.StageAt(Day(95), knownAt: Day(99)));
        Assert.Equal(RepeatCustomer, corrected.StageAt(Day(95), knownAt: Day(100)));
        Assert.Equal(Customer, corrected.StageAt(Day(85), knownAt: Day(99)));
        Assert.Equal(RepeatCustomer, corrected.StageAt(Day(85), knownAt: Day(100)));
        Assert.Equal(RepeatCustomer, corrected.StageAt(Day(95)));
        Assert.Null(corrected.StageAt(Day(-1)));
    }

    [Fact]
    public void Facts_sent_together_are_not_corrections_of_each_other()
    {
        // A backfill: a year of purchases learned at one instant (one batch), in business order.
        var journal = LifecycleJournal.Start(Rules)
            .Apply(Buy(Day(0)).RecordedOn(Day(400)))
            .Apply(Buy(Day(120)).RecordedOn(Day(400)))
            .Apply(Buy(Day(250)).RecordedOn(Day(400)));

        Assert.DoesNotContain(journal.Log, t => t.IsCorrection);
        // Deadlines the first purchase implied until its siblings were folded in were never believed by anyone.
        Assert.All(journal.Log.Where(t => t.SupersededAt is not null), t => Assert.True(t.IsWithdrawn));
        Assert.Equal(
            [RuleIds.FirstPurchase, RuleIds.InactiveAtRisk, RuleIds.Recovered, RuleIds.InactiveAtRisk, RuleIds.Recovered, RuleIds.InactiveAtRisk],
            journal.History.Select(t => t.RuleId));

        // A purchase learned later that lands in that history rewrites what was told: a real correction.
        var later = journal.Apply(Buy(Day(200)).RecordedOn(Day(401)));
        Assert.Contains(later.Log, t => t.IsCorrection && t.LearnedAt == Day(401));
        var overturned = Assert.Single(later.Log, t => t.SupersededAt == Day(401) && t.EffectiveAt == Day(210));
        Assert.False(overturned.IsWithdrawn);
    }

    [Fact]
    public void Late_first_touch_rewrites_the_conversion_it_now_precedes()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(10))).Apply(Ad(Day(0)).RecordedOn(Day(20)));

        var superseded = Assert.Single(journal.Log, t => t.SupersededAt is not null);
        Assert.Equal((null, Customer, Day(20)), (superseded.From, superseded.To, superseded.SupersededAt));
        Assert.Equal(
            [(RuleIds.FirstTouch, (LifecycleStage?)null, Prospect, true), (RuleIds.FirstPurchase, Prospect, Customer, true)],
            journal.History.Select(t => (t.RuleId, t.From, t.To, t.IsCorrection)));
        Assert.All(journal.History, t => Assert.Equal(Day(20), t.LearnedAt));
    }

    [Fact]
    public void Late_fact_that_changes_no_stage_adds_nothing_to_the_log()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0))).Apply(Buy(Day(20)));

        var after = journal.Apply(Visit(Day(10)).RecordedOn(Day(30)));

        Assert.Equal(journal.Log, after.Log);
        Assert.Equal([Day(0), Day(10), Day(20)], after.Facts.Select(f => f.OccurredAt));
    }

    [Fact]
    public void Applying_a_known_fact_again_changes_nothing()
    {
        var purchase = Buy(Day(0));
        var journal = LifecycleJournal.Start(Rules).Apply(purchase).Apply(Visit(Day(3)));

        Assert.Same(journal, journal.Apply(purchase));
    }

    [Fact]
    public void Advancing_to_an_earlier_horizon_changes_nothing()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0))).AdvanceTo(Day(50));

        Assert.Same(journal, journal.AdvanceTo(Day(40)));
        Assert.Same(journal, journal.AdvanceTo(Day(50)));
    }

    [Fact]
    public void Deadlines_learned_by_advancing_are_learned_at_their_due_time()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0))).AdvanceTo(Day(400));

        Assert.Equal(
            [(RuleIds.InactiveAtRisk, Day(90), Day(90)), (RuleIds.InactiveChurned, Day(180), Day(180))],
            journal.Log.Skip(1).Select(t => (t.RuleId, t.EffectiveAt, t.LearnedAt)));
        Assert.DoesNotContain(journal.Log, t => t.IsCorrection);
    }

    [Fact]
    public void Deadline_that_a_fact_reveals_is_learned_with_the_fact()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0))).Apply(Complain(Day(10)).RecordedOn(Day(30)));

        var atRisk = journal.Log[^1];
        Assert.Equal((RuleIds.ComplaintAtRisk, Day(24), Day(30), false), (atRisk.RuleId, atRisk.EffectiveAt, atRisk.LearnedAt, atRisk.IsCorrection));
    }

    [Fact]
    public void Sweep_timing_does_not_change_the_journal()
    {
        LifecycleFact[] facts = [Buy(Day(0)), Visit(Day(50)), Complain(Day(120)).RecordedOn(Day(121)), Buy(Day(150)).RecordedOn(Day(151))];

        var rebuilt = LifecycleJournal.Rebuild(facts, Rules, Day(400));
        var swept = LifecycleJournal.Start(Rules)
            .Apply(facts[0]).AdvanceTo(Day(30)).AdvanceTo(Day(60))
            .Apply(facts[1]).AdvanceTo(Day(91)).AdvanceTo(Day(120))
            .Apply(facts[2]).AdvanceTo(Day(150.5))
            .Apply(facts[3]).AdvanceTo(Day(300)).AdvanceTo(Day(400));

        Assert.Equal(JournalJson.Serialize(rebuilt), JournalJson.Serialize(swept));
    }

    [Fact]
    public void A_sweep_that_overtook_a_lagging_fact_keeps_its_premature_transition_as_superseded()
    {
        // The purchase was recorded on day 88 but reached the journal after a sweep had advanced to day 100.
        var lagging = Buy(Day(85)).RecordedOn(Day(88));
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0))).AdvanceTo(Day(100)).Apply(lagging);

        var atRisk = Assert.Single(journal.Log, t => t.RuleId == RuleIds.InactiveAtRisk);
        Assert.Equal(Day(100), atRisk.SupersededAt);
        var repeat = Assert.Single(journal.History, t => t.RuleId == RuleIds.RepeatPurchase);
        Assert.Equal((Day(100), true), (repeat.LearnedAt, repeat.IsCorrection));
        // Had the sweep waited for the store's high-water mark, the premature belief would never have existed.
        Assert.DoesNotContain(LifecycleJournal.Rebuild([Buy(Day(0)), lagging], Rules, Day(100)).Log, t => t.RuleId == RuleIds.InactiveAtRisk);
    }

    [Fact]
    public void Next_due_at_points_at_the_next_deadline()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0)));
        Assert.Equal(Day(90), journal.NextDueAt);

        journal = journal.AdvanceTo(Day(95));
        Assert.Equal(Day(180), journal.NextDueAt);

        journal = journal.AdvanceTo(Day(200));
        Assert.Null(journal.NextDueAt);
    }

    [Fact]
    public void Prospects_have_no_deadline() =>
        Assert.Null(LifecycleJournal.Start(Rules).Apply(Ad(Day(0))).AdvanceTo(Day(1000)).NextDueAt);

    [Fact]
    public void A_fact_dated_ahead_of_the_horizon_brings_the_deadlines_before_it()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0))).Apply(Visit(Day(185)).RecordedOn(Day(170)));

        Assert.Equal(Day(170), journal.Horizon);
        Assert.Equal(Churned, journal.CurrentStage);
        Assert.Equal(
            [(RuleIds.InactiveAtRisk, Day(90), Day(90)), (RuleIds.InactiveChurned, Day(180), Day(170))],
            journal.Log.Skip(1).Select(t => (t.RuleId, t.EffectiveAt, t.LearnedAt)));
    }

    [Fact]
    public void Facts_are_kept_in_business_order_whatever_the_arrival_order()
    {
        var journal = LifecycleJournal.Rebuild(
            [Visit(Day(5)), Ad(Day(1)).RecordedOn(Day(6)), Buy(Day(3)).RecordedOn(Day(7))], Rules, Day(10));

        Assert.Equal([Day(1), Day(3), Day(5)], journal.Facts.Select(f => f.OccurredAt));
    }

    [Fact]
    public void Fact_about_another_customer_is_refused()
    {
        var journal = LifecycleJournal.Start(Rules).Apply(Buy(Day(0)));
        var stranger = Visit(Day(1)) with { CustomerId = "someone-else" };

        Assert.Throws<ArgumentException>(() => journal.Apply(stranger));
    }

    [Fact]
    public void Believed_history_matches_a_replay_after_corrections()
    {
        LifecycleFact[] arrivals = [Buy(Day(0)), Buy(Day(300)), Buy(Day(100)).RecordedOn(Day(301)), Refer(Day(50)).RecordedOn(Day(302))];
        var journal = LifecycleJournal.Rebuild(arrivals, Rules, Day(400));

        var replay = LifecycleJournal.Replay(arrivals.Order(LifecycleFact.BusinessOrder), Rules, Day(400));

        Assert.Equal(replay.Changes, journal.History.Select(t => t.Change));
        Assert.True(journal.Verify().IsConsistent);
        Assert.Equal(replay.NextDueAt, journal.NextDueAt);
    }
}
