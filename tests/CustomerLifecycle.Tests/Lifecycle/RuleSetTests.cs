using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

public class RuleSetTests
{
    [Fact]
    public void Default_rules_are_valid_and_named()
    {
        Assert.Empty(RuleSet.Default.Validate());
        Assert.Equal(("default", "2026-11-v1"), (RuleSet.Default.Id, RuleSet.Default.Version));
    }

    [Fact]
    public void Churn_must_come_after_at_risk() =>
        Assert.Equal(
            [new RuleSetError(nameof(RuleSet.ChurnAfterDays), "must be greater than AtRiskAfterDays")],
            (RuleSet.Default with { ChurnAfterDays = 90 }).Validate());

    [Fact]
    public void Every_invalid_field_is_reported()
    {
        var rules = RuleSet.Default with
        {
            Id = " ",
            AtRiskAfterDays = 0,
            ComplaintOpenDays = -1,
            OverdueFactor = double.NaN,
            OverdueMinPurchases = 1,
            LoyalMinPurchases = 1,
            DetractorMaxScore = 11,
        };

        Assert.Equal(
            [
                nameof(RuleSet.Id), nameof(RuleSet.AtRiskAfterDays), nameof(RuleSet.OverdueMinPurchases), nameof(RuleSet.OverdueFactor),
                nameof(RuleSet.LoyalMinPurchases), nameof(RuleSet.ComplaintOpenDays), nameof(RuleSet.DetractorMaxScore),
            ],
            rules.Validate().Select(e => e.Field));
    }

    [Fact]
    public void The_engine_refuses_invalid_rules()
    {
        var invalid = RuleSet.Default with { ChurnAfterDays = 10 };

        Assert.Throws<ArgumentException>(() => LifecycleJournal.Start(invalid));
        Assert.Throws<ArgumentException>(() => LifecycleJournal.Replay([], invalid, Day(0)));
        Assert.Throws<ArgumentException>(() => WhatIf.Run([], RuleSet.Default, invalid, Day(0)));
    }

    [Fact]
    public void Every_transition_carries_the_rule_set_version()
    {
        var rules = RuleSet.Default with { Id = "experiment", Version = "2027-01-v3" };

        var journal = LifecycleJournal.Rebuild([Ad(Day(0)), Buy(Day(1)), Buy(Day(5)).RecordedOn(Day(300))], rules, Day(400));

        Assert.True(journal.Log.Count >= 5);
        Assert.All(journal.Log, t => Assert.Equal("2027-01-v3", t.RuleSetVersion));
    }

    [Fact]
    public void Same_inputs_give_the_same_journal()
    {
        LifecycleFact[] facts = [Ad(Day(0)), Buy(Day(1)), Complain(Day(3)), Buy(Day(2)).RecordedOn(Day(50)), Nps(Day(60), 3)];

        var first = JournalJson.Serialize(LifecycleJournal.Rebuild(facts, RuleSet.Default, Day(500)));
        var second = JournalJson.Serialize(LifecycleJournal.Rebuild(facts, RuleSet.Default, Day(500)));

        Assert.Equal(first, second);
        Assert.Equal(
            JournalJson.Serialize(LifecycleJournal.Replay(facts, RuleSet.Default, Day(500))),
            JournalJson.Serialize(LifecycleJournal.Replay(facts.Reverse(), RuleSet.Default, Day(500))));
    }

    [Fact]
    public void Rule_ids_are_unique_and_kebab_case()
    {
        Assert.Equal(RuleIds.All.Count, RuleIds.All.Distinct(StringComparer.Ordinal).Count());
        Assert.All(RuleIds.All, id => Assert.Matches("^[a-z]+(-[a-z]+)*$", id));
    }
}
