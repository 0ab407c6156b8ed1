using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

public class CustomerCountersTests
{
    [Fact]
    public void Counters_hold_what_the_read_models_show()
    {
        var journal = LifecycleJournal.Rebuild(
            [
                Ad(Day(0), "social", "launch"), Visit(Day(1)), Buy(Day(2), 50m, "EUR"), Buy(Day(3), 20m, "usd", "o-2"),
                Refund(Day(4), 10m, "EUR"), Subscribe(Day(5), amount: 9m), Renew(Day(35), amount: 9m),
                Complain(Day(6), "k-1"), Complain(Day(7), "k-2"), Resolve(Day(8), "k-2"), Nps(Day(9), 9), Nps(Day(10), 8),
                EarnPoints(Day(11), 100), RedeemPoints(Day(12), 30), Tier(Day(13), "gold"), Refer(Day(14)),
            ],
            RuleSet.Default,
            Day(40));

        var counters = journal.State.Counters;

        Assert.Equal((4, 2), (counters.Purchases, counters.Orders));
        Assert.Equal([new Money("EUR", 58m), new Money("USD", 20m)], counters.NetRevenue);
        Assert.Equal(new FirstTouch("ad_shown", Day(0), "social", "launch"), counters.FirstTouch);
        Assert.Equal((Day(2), Day(35), Day(35)), (counters.FirstPurchaseAt, counters.LastPurchaseAt, counters.LastActivityAt));
        Assert.Equal(1, counters.OpenComplaints);
        Assert.Equal(new NpsAnswer(8, Day(10)), counters.LastNps);
        Assert.Equal(("gold", 1, 70), (counters.MembershipTier, counters.Referrals, counters.LoyaltyPoints));
    }

    [Fact]
    public void A_late_first_touch_becomes_the_first_touch()
    {
        var journal = LifecycleJournal.Rebuild([Buy(Day(5)), Ad(Day(1), "tv", null).RecordedOn(Day(6))], RuleSet.Default, Day(6));

        Assert.Equal(new FirstTouch("ad_shown", Day(1), "tv", null), journal.State.Counters.FirstTouch);
    }

    [Fact]
    public void Full_refund_nets_revenue_to_zero() =>
        Assert.Equal(
            [new Money("EUR", 0m)],
            LifecycleJournal.Rebuild([Buy(Day(0), 50m), Refund(Day(1), 50m)], RuleSet.Default, Day(1)).State.Counters.NetRevenue);
}
