namespace CustomerLifecycle.Analytics.Models;

/// <summary>One tenth of the customers, ranked by predicted risk: what was predicted and what happened.</summary>
/// <param name="Decile">1 = the tenth with the highest predicted risk.</param>
/// <param name="Customers">Customers in the decile.</param>
/// <param name="MeanPredicted">Mean predicted probability of no purchase over the horizon.</param>
/// <param name="ObservedRate">Share of them who made no purchase in the holdout.</param>
public sealed record ChurnDecile(int Decile, int Customers, double MeanPredicted, double ObservedRate);

/// <summary>How well a risk score ranked and calibrated "no purchase in the holdout".</summary>
/// <param name="Customers">Customers scored.</param>
/// <param name="ObservedRate">Share with no purchase in the holdout.</param>
/// <param name="Auc">Area under the ROC curve: the chance a random churner is ranked above a random buyer (0.5 = chance).</param>
/// <param name="RecencyAuc">The same for weeks since the last purchase alone, the baseline to beat.</param>
/// <param name="Deciles">Calibration by decile of predicted risk.</param>
public sealed record ChurnValidationReport(int Customers, double ObservedRate, double Auc, double RecencyAuc, IReadOnlyList<ChurnDecile> Deciles)
{
    /// <summary>AUC gained over recency alone.</summary>
    public double LiftOverRecency => Auc - RecencyAuc;
}

/// <summary>Scores a churn probability against the holdout.</summary>
public static class ChurnValidation
{
    /// <param name="scored">Per customer: predicted risk, weeks since last purchase at calibration end, and whether they bought nothing in the holdout.</param>
    public static ChurnValidationReport Evaluate(IReadOnlyList<(double Risk, double WeeksSinceLastPurchase, bool Churned)> scored)
    {
        ArgumentNullException.ThrowIfNull(scored);
        if (scored.Count == 0)
        {
            throw new ArgumentException("At least one scored customer is needed to validate a churn risk.", nameof(scored));
        }

        var churned = scored.Select(s => s.Churned).ToArray();
        var ranked = scored.OrderByDescending(s => s.Risk).ToList();
        var deciles = new List<ChurnDecile>(10);
        for (var d = 0; d < 10; d++)
        {
            var from = ranked.Count * d / 10;
            var to = ranked.Count * (d + 1) / 10;
            if (to > from)
            {
                var slice = ranked.GetRange(from, to - from);
                deciles.Add(new ChurnDecile(d + 1, slice.Count, slice.Average(s => s.Risk), slice.Count(s => s.Churned) / (double)slice.Count));
            }
        }

        return new ChurnValidationReport(
            scored.Count,
            churned.Count(c => c) / (double)scored.Count,
            Auc([.. scored.Select(s => s.Risk)], churned),
            Auc([.. scored.Select(s => s.WeeksSinceLastPurchase)], churned),
            deciles);
    }

    /// <summary>Mann–Whitney U / (positives × negatives), ties counted half; NaN when either class is empty.</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> positive)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(positive);
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        long positives = 0;
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end < order.Length && scores[order[end]] == scores[order[start]])
            {
                end++;
            }

            var averageRank = ((start + 1) + end) / 2.0;
            for (var k = start; k < end; k++)
            {
                if (positive[order[k]])
                {
                    rankSum += averageRank;
                    positives++;
                }
            }

            start = end;
        }

        var negatives = scores.Count - positives;
        return positives == 0 || negatives == 0
            ? double.NaN
            : (rankSum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }
}
