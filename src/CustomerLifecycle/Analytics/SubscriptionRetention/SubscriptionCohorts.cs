using System.Globalization;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Analytics.SubscriptionRetention;

/// <summary>One subscription as the store knows it at a date: from its subscription_started, renewals and cancellation.</summary>
/// <param name="Interval">The billing interval its start named; null when it named none.</param>
/// <param name="Amount">The payment per period its start named, in <paramref name="Currency"/>; null when it named none.</param>
/// <param name="Renewals">subscription_renewed events of it.</param>
/// <param name="Cancelled">True once a subscription_cancelled of it is recorded.</param>
public sealed record SubscriptionHistory(
    string CustomerId, string SubscriptionId, DateTimeOffset StartedAt, string Plan, BillingInterval? Interval, decimal? Amount, string? Currency,
    int Renewals, bool Cancelled);

/// <summary>The subscriptions started in one calendar month, as survivors after each renewal they all had the chance to make.</summary>
/// <param name="Cohort">The month of the start, yyyy-MM.</param>
/// <param name="Survivors">S₀ = subscriptions started, Sₜ = those still subscribed after the t-th renewal, for every t that every subscription of the cohort has reached by the date.</param>
/// <param name="Payments">The start amounts in the report's currency (subscriptions in another currency, or without an amount, have none).</param>
public sealed record SubscriptionCohort(string Cohort, IReadOnlyList<int> Survivors, IReadOnlyList<decimal> Payments)
{
    public int Subscribers => Survivors[0];
}

/// <summary>Turns subscription histories into cohorts (pure, the date comes in).</summary>
public static class SubscriptionCohorts
{
    /// <summary>
    /// Groups the subscriptions billed every <paramref name="interval"/> by the month they started in. A cohort has
    /// reached renewal t when t whole billing periods have passed since the end of its month, so every member has
    /// had the chance to renew t times. A subscription survives renewal t when it has renewed at least t times, or has
    /// not been cancelled (a renewal not yet recorded is not a cancellation).
    /// </summary>
    public static IReadOnlyList<SubscriptionCohort> Build(IEnumerable<SubscriptionHistory> subscriptions, BillingInterval interval, string currency, DateTimeOffset asOf)
    {
        ArgumentNullException.ThrowIfNull(subscriptions);
        return subscriptions
            .Where(s => s.Interval == interval && s.StartedAt < asOf)
            .GroupBy(s => new DateOnly(s.StartedAt.UtcDateTime.Year, s.StartedAt.UtcDateTime.Month, 1))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var reached = RenewalsReached(new DateTimeOffset(g.Key.AddMonths(1), TimeOnly.MinValue, TimeSpan.Zero), interval, asOf);
                var survivors = Enumerable.Range(0, reached + 1).Select(t => g.Count(s => s.Renewals >= t || !s.Cancelled)).ToArray();
                var payments = g.Where(s => s.Amount is not null && s.Currency == currency).Select(s => s.Amount!.Value).ToArray();
                return new SubscriptionCohort(g.Key.ToString("yyyy-MM", CultureInfo.InvariantCulture), survivors, payments);
            })
            .ToList();
    }

    /// <summary>Whole billing periods from <paramref name="from"/> to <paramref name="asOf"/> (calendar months for month, quarter and year).</summary>
    public static int RenewalsReached(DateTimeOffset from, BillingInterval interval, DateTimeOffset asOf)
    {
        var reached = 0;
        while (reached < MaxRenewals && After(from, interval, reached + 1) <= asOf)
        {
            reached++;
        }

        return reached;
    }

    /// <summary>Renewals a cohort is followed for: 20 years of weekly billing.</summary>
    public const int MaxRenewals = 1_040;

    private static DateTimeOffset After(DateTimeOffset from, BillingInterval interval, int periods) => interval switch
    {
        BillingInterval.Week => from.AddDays(7 * periods),
        BillingInterval.Month => from.AddMonths(periods),
        BillingInterval.Quarter => from.AddMonths(3 * periods),
        _ => from.AddMonths(12 * periods),
    };
}
