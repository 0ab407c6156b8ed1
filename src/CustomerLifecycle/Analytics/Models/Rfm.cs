namespace CustomerLifecycle.Analytics.Models;

/// <summary>Raw RFM measures of one customer.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="TimeSinceLastPurchase">Elapsed time since the last purchase, any unit; smaller is better.
/// (Not the BG/NBD recency t_x, which grows with more recent activity.)</param>
/// <param name="Frequency">Number of purchases (or transactions) in the scoring window; larger is better.</param>
/// <param name="Monetary">Spend measure (total or average, the caller's choice); larger is better.</param>
public sealed record RfmInput(string CustomerId, double TimeSinceLastPurchase, double Frequency, double Monetary);

/// <summary>Quintile scores 1 (worst) … 5 (best) and the resulting segment.</summary>
public sealed record RfmScore(string CustomerId, int Recency, int Frequency, int Monetary, RfmSegment Segment);

/// <summary>The customary RFM segment names.</summary>
public enum RfmSegment
{
    Champions,
    LoyalCustomers,
    PotentialLoyalist,
    NewCustomers,
    Promising,
    NeedAttention,
    AboutToSleep,
    AtRisk,
    CannotLoseThem,
    Hibernating,
    Lost,
}

/// <summary>RFM quintile scoring and segmentation.</summary>
public static class Rfm
{
    /// <summary>
    /// The segment map on recency R against the combined score FM = round-half-up((F + M)/2). It is the widely used
    /// 5×5 R-by-F grid (champions 5/4–5, loyal 3–4/4–5, potential loyalists 4–5/2–3, new 5/1, promising 4/1,
    /// need attention 3/3, about to sleep 3/1–2, at risk 1–2/3–4, can't lose them 1–2/5, hibernating 1–2/1–2)
    /// with its lowest corner split so that "lost" (R = 1, FM ≤ 2) is separate from "hibernating" (R = 2, FM ≤ 2).
    /// Rows are R = 1…5, columns FM = 1…5:
    /// <code>
    /// R5: new customers   potential loyal.  potential loyal.  champions        champions
    /// R4: promising       potential loyal.  potential loyal.  loyal            loyal
    /// R3: about to sleep  about to sleep    need attention    loyal            loyal
    /// R2: hibernating     hibernating       at risk           at risk          can't lose them
    /// R1: lost            lost              at risk           at risk          can't lose them
    /// </code>
    /// </summary>
    private static readonly RfmSegment[,] SegmentMap =
    {
        { RfmSegment.Lost, RfmSegment.Lost, RfmSegment.AtRisk, RfmSegment.AtRisk, RfmSegment.CannotLoseThem },
        { RfmSegment.Hibernating, RfmSegment.Hibernating, RfmSegment.AtRisk, RfmSegment.AtRisk, RfmSegment.CannotLoseThem },
        { RfmSegment.AboutToSleep, RfmSegment.AboutToSleep, RfmSegment.NeedAttention, RfmSegment.LoyalCustomers, RfmSegment.LoyalCustomers },
        { RfmSegment.Promising, RfmSegment.PotentialLoyalist, RfmSegment.PotentialLoyalist, RfmSegment.LoyalCustomers, RfmSegment.LoyalCustomers },
        { RfmSegment.NewCustomers, RfmSegment.PotentialLoyalist, RfmSegment.PotentialLoyalist, RfmSegment.Champions, RfmSegment.Champions },
    };

    /// <summary>Scores every customer against the others and assigns segments; output order matches input order.</summary>
    public static IReadOnlyList<RfmScore> Score(IReadOnlyList<RfmInput> customers)
    {
        ArgumentNullException.ThrowIfNull(customers);
        var recency = QuintileScores(customers.Select(c => c.TimeSinceLastPurchase).ToArray(), higherIsBetter: false);
        var frequency = QuintileScores(customers.Select(c => c.Frequency).ToArray(), higherIsBetter: true);
        var monetary = QuintileScores(customers.Select(c => c.Monetary).ToArray(), higherIsBetter: true);
        return customers
            .Select((c, i) => new RfmScore(c.CustomerId, recency[i], frequency[i], monetary[i], Segment(recency[i], frequency[i], monetary[i])))
            .ToList();
    }

    /// <summary>
    /// Quintile scores 1…5 by mid-rank: a value whose tie block occupies sorted positions [i, i + k) out of n (worst
    /// first) gets 1 + ⌊5 (i + k/2) / n⌋. Ties therefore always share a score, the result does not depend on input
    /// order, n distinct values split as evenly as possible (n = 10 gives two of each score), and a column of
    /// identical values scores a neutral 3.
    /// </summary>
    public static IReadOnlyList<int> QuintileScores(IReadOnlyList<double> values, bool higherIsBetter)
    {
        ArgumentNullException.ThrowIfNull(values);
        var n = values.Count;
        if (values.Any(double.IsNaN))
        {
            throw new ArgumentException("RFM values must not be NaN.", nameof(values));
        }

        var order = Enumerable.Range(0, n)
            .OrderBy(i => higherIsBetter ? values[i] : -values[i])
            .ToArray();
        var scores = new int[n];
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && values[order[end]] == values[order[start]])
            {
                end++;
            }

            var score = 1 + (int)(5L * ((2L * start) + (end - start)) / (2L * n));
            for (var k = start; k < end; k++)
            {
                scores[order[k]] = score;
            }

            start = end;
        }

        return scores;
    }

    /// <summary>The segment for scores R, F, M in 1…5 (see the map above).</summary>
    public static RfmSegment Segment(int recencyScore, int frequencyScore, int monetaryScore)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recencyScore, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recencyScore, 5);
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencyScore, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(frequencyScore, 5);
        ArgumentOutOfRangeException.ThrowIfLessThan(monetaryScore, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(monetaryScore, 5);
        var combined = (frequencyScore + monetaryScore + 1) / 2;
        return SegmentMap[recencyScore - 1, combined - 1];
    }
}
