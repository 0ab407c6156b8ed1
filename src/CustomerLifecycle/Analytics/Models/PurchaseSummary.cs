namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Builds the model inputs from a raw transaction log with the conventions of FHL 2005 (and of the CDNOW
/// benchmark): all purchases of one customer on one day form a single transaction whose value is their sum,
/// the first transaction is the acquisition (not counted), and times are measured from it.
/// </summary>
public static class PurchaseSummary
{
    /// <summary>
    /// One summary per customer whose first purchase falls in [ObservationStart, CalibrationEnd], ordered by
    /// customer id (ordinal). Purchases after CalibrationEnd are ignored here; see <see cref="CountHoldoutTransactions"/>.
    /// </summary>
    public static IReadOnlyList<CustomerPurchaseSummary> Build(IEnumerable<Transaction> transactions, SummaryPeriod period)
    {
        ArgumentNullException.ThrowIfNull(period);
        var summaries = new List<CustomerPurchaseSummary>();
        foreach (var (customerId, days) in DailyTotals(transactions, period.ObservationStart, period.CalibrationEnd))
        {
            var first = days[0].Date;
            var last = days[^1].Date;
            var repeatDays = days.Count - 1;
            var repeatSpend = 0.0;
            for (var i = 1; i < days.Count; i++)
            {
                repeatSpend += days[i].Amount;
            }

            summaries.Add(new CustomerPurchaseSummary(
                customerId,
                repeatDays,
                period.Between(first, last),
                period.Between(first, period.CalibrationEnd),
                repeatDays > 0 ? repeatSpend / repeatDays : 0));
        }

        return summaries;
    }

    /// <summary>
    /// Transactions (purchase days) of each calibration customer in (CalibrationEnd, holdoutEnd]; customers
    /// acquired in the calibration period without holdout purchases map to 0, later-acquired customers are absent.
    /// </summary>
    public static IReadOnlyDictionary<string, int> CountHoldoutTransactions(
        IEnumerable<Transaction> transactions, SummaryPeriod period, DateOnly holdoutEnd)
    {
        ArgumentNullException.ThrowIfNull(period);
        if (holdoutEnd < period.CalibrationEnd)
        {
            throw new ArgumentOutOfRangeException(nameof(holdoutEnd), holdoutEnd, "The holdout cannot end before calibration does.");
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (customerId, days) in DailyTotals(transactions, period.ObservationStart, holdoutEnd))
        {
            if (days[0].Date <= period.CalibrationEnd)
            {
                counts[customerId] = days.Count(day => day.Date > period.CalibrationEnd);
            }
        }

        return counts;
    }

    /// <summary>Per customer (ordinal id order), the purchase days in [from, to] with each day's summed amount, by date.</summary>
    private static IEnumerable<(string CustomerId, List<(DateOnly Date, double Amount)> Days)> DailyTotals(
        IEnumerable<Transaction> transactions, DateOnly from, DateOnly to)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        var byCustomer = new Dictionary<string, SortedDictionary<DateOnly, double>>(StringComparer.Ordinal);
        foreach (var transaction in transactions)
        {
            ArgumentNullException.ThrowIfNull(transaction.CustomerId, nameof(transactions));
            if (transaction.Date < from || transaction.Date > to)
            {
                continue;
            }

            if (!byCustomer.TryGetValue(transaction.CustomerId, out var days))
            {
                days = [];
                byCustomer.Add(transaction.CustomerId, days);
            }

            days[transaction.Date] = days.GetValueOrDefault(transaction.Date) + transaction.Amount;
        }

        return byCustomer
            .OrderBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => (pair.Key, pair.Value.Select(day => (day.Key, day.Value)).ToList()));
    }
}
