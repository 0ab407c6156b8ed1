namespace CustomerLifecycle.Analytics.Models;

/// <summary>One purchase in a transaction log. Only the calendar day matters to the models.</summary>
public readonly record struct Transaction(string CustomerId, DateOnly Date, double Amount);

/// <summary>
/// The calendar that turns a transaction log into model inputs.
/// </summary>
/// <param name="ObservationStart">First day whose transactions are used; earlier ones are ignored.</param>
/// <param name="CalibrationEnd">Last day (inclusive) of the calibration period; T is measured up to this day.</param>
/// <param name="DaysPerTimeUnit">Length of the model's time unit in days: 7 (weeks, the FHL convention) by default.</param>
public sealed record SummaryPeriod(DateOnly ObservationStart, DateOnly CalibrationEnd, double DaysPerTimeUnit = 7)
{
    /// <summary>Time between two days in model units.</summary>
    public double Between(DateOnly from, DateOnly to) => (to.DayNumber - from.DayNumber) / DaysPerTimeUnit;
}

/// <summary>A customer's calibration-period summary with spend.</summary>
/// <param name="CustomerId">The customer.</param>
/// <param name="Frequency">x: repeat transactions (purchase days after the first) in the calibration period.</param>
/// <param name="Recency">t_x: time from the first to the last purchase day.</param>
/// <param name="T">Time from the first purchase day to the end of calibration.</param>
/// <param name="MonetaryValue">Mean value of the repeat transactions (each day's purchases summed); 0 when x = 0.</param>
public sealed record CustomerPurchaseSummary(string CustomerId, int Frequency, double Recency, double T, double MonetaryValue)
{
    public CustomerSummary Summary => new(Frequency, Recency, T);

    /// <summary>The Gamma-Gamma input, or null for a customer without repeat transactions.</summary>
    public SpendObservation? Spend => Frequency > 0 ? new SpendObservation(Frequency, MonetaryValue) : null;
}
