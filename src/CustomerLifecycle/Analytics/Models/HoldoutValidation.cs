namespace CustomerLifecycle.Analytics.Models;

/// <summary>Predicted vs actual holdout transactions for customers with the same calibration frequency.</summary>
/// <param name="CalibrationFrequency">The bucket's calibration frequency x (its lower bound for the open bucket).</param>
/// <param name="IncludesHigherFrequencies">True for the open bucket "x and more".</param>
/// <param name="Customers">Customers in the bucket.</param>
/// <param name="MeanPredicted">Mean of E[Y(t) | x, t_x, T] over the bucket.</param>
/// <param name="MeanActual">Mean of the actual holdout transaction counts over the bucket.</param>
public sealed record HoldoutBucket(
    int CalibrationFrequency, bool IncludesHigherFrequencies, int Customers, double MeanPredicted, double MeanActual)
{
    public string Label => IncludesHigherFrequencies
        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{CalibrationFrequency}+")
        : CalibrationFrequency.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>The holdout comparison of FHL 2005 Figure 4: buckets plus cohort totals.</summary>
public sealed record HoldoutComparison(IReadOnlyList<HoldoutBucket> Buckets, double TotalPredicted, int TotalActual);

/// <summary>Checks a calibrated purchase model against what the same customers actually did afterwards.</summary>
public static class HoldoutValidation
{
    /// <summary>
    /// Buckets customers by calibration frequency 0, 1, …, openBucketFrom − 1 and "openBucketFrom+" (7+ by default, as
    /// in FHL 2005 Fig. 4); empty buckets are omitted. The prediction for each customer is the conditional expectation
    /// over the holdout length; customers missing from <paramref name="actualHoldoutTransactions"/> count as 0.
    /// </summary>
    public static HoldoutComparison ByCalibrationFrequency(
        BgNbdParameters parameters,
        IReadOnlyList<CustomerPurchaseSummary> calibration,
        IReadOnlyDictionary<string, int> actualHoldoutTransactions,
        double holdoutLength,
        int openBucketFrom = 7) =>
        ByCalibrationFrequency(new BgNbdPurchases(parameters), calibration, actualHoldoutTransactions, holdoutLength, openBucketFrom);

    /// <summary>As above, for any model of the family.</summary>
    public static HoldoutComparison ByCalibrationFrequency(
        PurchaseModel model,
        IReadOnlyList<CustomerPurchaseSummary> calibration,
        IReadOnlyDictionary<string, int> actualHoldoutTransactions,
        double holdoutLength,
        int openBucketFrom = 7)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(actualHoldoutTransactions);
        ArgumentOutOfRangeException.ThrowIfLessThan(openBucketFrom, 1);
        var customers = new int[openBucketFrom + 1];
        var predicted = new double[openBucketFrom + 1];
        var actual = new long[openBucketFrom + 1];
        foreach (var customer in calibration)
        {
            var bucket = Math.Min(customer.Frequency, openBucketFrom);
            customers[bucket]++;
            predicted[bucket] += model.ConditionalExpectedTransactions(customer.Summary, holdoutLength);
            actual[bucket] += actualHoldoutTransactions.GetValueOrDefault(customer.CustomerId);
        }

        var buckets = new List<HoldoutBucket>();
        for (var x = 0; x <= openBucketFrom; x++)
        {
            if (customers[x] > 0)
            {
                buckets.Add(new HoldoutBucket(x, x == openBucketFrom, customers[x], predicted[x] / customers[x], (double)actual[x] / customers[x]));
            }
        }

        return new HoldoutComparison(buckets, predicted.Sum(), (int)actual.Sum());
    }
}
