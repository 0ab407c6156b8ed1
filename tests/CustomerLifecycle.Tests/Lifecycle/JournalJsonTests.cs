using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

public class JournalJsonTests
{
    private static LifecycleJournal Rich() => LifecycleJournal.Rebuild(
        [
            Ad(Day(0)), Lead(Day(1)), TrialStart(Day(2)), Subscribe(Day(3)), Buy(Day(4)), Complain(Day(5)), Nps(Day(6), 9),
            Tier(Day(7), "gold"), Refer(Day(8)), EarnPoints(Day(9), 10), Buy(Day(1.5)).RecordedOn(Day(300)), Refund(Day(10), 5m),
        ],
        RuleSet.Default,
        Day(320));

    [Fact]
    public void Journal_survives_a_json_round_trip_with_keys_in_jsonb_order()
    {
        var journal = Rich();
        Assert.Contains(journal.Log, t => t.SupersededAt is not null);
        var json = JournalJson.Serialize(journal);

        var stored = JournalJson.Deserialize<LifecycleJournal>(JournalJson.InJsonbKeyOrder(json));

        Assert.Equal(json, JournalJson.Serialize(stored));
        var next = Buy(Day(330));
        Assert.Equal(JournalJson.Serialize(journal.Apply(next)), JournalJson.Serialize(stored.Apply(next)));
    }

    [Fact]
    public void Stored_journal_reads_in_words()
    {
        var json = JournalJson.Serialize(Rich());

        Assert.Contains("\"type\":\"purchase\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"deadline\"", json, StringComparison.Ordinal);
        Assert.Contains("\"to\":\"Advocate\"", json, StringComparison.Ordinal);
        Assert.Contains("\"ruleId\":\"complaint-at-risk\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"history\"", json, StringComparison.Ordinal);
    }
}
