using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class RfmTests
{
    [Fact]
    public void Ten_distinct_values_give_two_customers_each_score()
    {
        double[] values = [7, 3, 9, 1, 10, 2, 8, 4, 6, 5];

        var scores = Rfm.QuintileScores(values, higherIsBetter: true);

        Assert.Equal([4, 2, 5, 1, 5, 1, 4, 2, 3, 3], scores);
    }

    [Fact]
    public void Ties_share_their_mid_rank_score_and_identical_values_score_three()
    {
        // Four tied values occupy positions 0–3 of 5, mid-point 2/5 → score 3; the single best value gets 5.
        Assert.Equal([3, 3, 3, 3, 5], Rfm.QuintileScores([1, 1, 1, 1, 2], higherIsBetter: true));
        Assert.Equal([3, 3, 3], Rfm.QuintileScores([4, 4, 4], higherIsBetter: true));
    }

    [Fact]
    public void Shorter_time_since_last_purchase_scores_higher_recency()
    {
        Assert.Equal([5, 4, 3, 2, 1], Rfm.QuintileScores([1, 10, 20, 30, 400], higherIsBetter: false));
    }

    [Theory]
    [InlineData(5, 5, 5, RfmSegment.Champions)]
    [InlineData(5, 4, 3, RfmSegment.Champions)]
    [InlineData(4, 5, 4, RfmSegment.LoyalCustomers)]
    [InlineData(3, 3, 4, RfmSegment.LoyalCustomers)]
    [InlineData(5, 2, 3, RfmSegment.PotentialLoyalist)]
    [InlineData(5, 1, 1, RfmSegment.NewCustomers)]
    [InlineData(4, 1, 1, RfmSegment.Promising)]
    [InlineData(3, 3, 3, RfmSegment.NeedAttention)]
    [InlineData(3, 1, 2, RfmSegment.AboutToSleep)]
    [InlineData(2, 3, 3, RfmSegment.AtRisk)]
    [InlineData(1, 5, 5, RfmSegment.CannotLoseThem)]
    [InlineData(2, 2, 1, RfmSegment.Hibernating)]
    [InlineData(1, 1, 2, RfmSegment.Lost)]
    public void Segments_follow_the_documented_recency_by_frequency_monetary_map(int r, int f, int m, RfmSegment segment)
    {
        Assert.Equal(segment, Rfm.Segment(r, f, m));
    }

    [Fact]
    public void Scoring_a_customer_base_keeps_input_order_and_names_segments()
    {
        RfmInput[] customers =
        [
            new("c1", 2, 12, 900),
            new("c2", 300, 11, 800),
            new("c3", 1, 1, 20),
            new("c4", 250, 1, 15),
            new("c5", 60, 4, 200),
        ];

        var scores = Rfm.Score(customers);

        // R from time since purchase: c2 1, c4 2, c5 3, c1 4, c3 5. F: c3 and c4 tie lowest (mid-rank 2), c5 3, c2 4, c1 5.
        Assert.Equal(customers.Select(c => c.CustomerId), scores.Select(s => s.CustomerId));
        Assert.Equal(
            [
                new RfmScore("c1", 4, 5, 5, RfmSegment.LoyalCustomers),
                new RfmScore("c2", 1, 4, 4, RfmSegment.AtRisk),
                new RfmScore("c3", 5, 2, 2, RfmSegment.PotentialLoyalist),
                new RfmScore("c4", 2, 2, 1, RfmSegment.Hibernating),
                new RfmScore("c5", 3, 3, 3, RfmSegment.NeedAttention),
            ],
            scores);
    }

    [Fact]
    public void Scores_outside_one_to_five_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Rfm.Segment(0, 3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Rfm.Segment(3, 6, 3));
    }
}
