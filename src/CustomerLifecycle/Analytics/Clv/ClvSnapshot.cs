using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Clv;

public enum FitStatus { Queued, Running, Completed, Failed }

/// <summary>
/// One fit of the CLV models and everything needed to read and reproduce it: what was asked, the data window, the
/// fitted parameters with their likelihoods, the holdout check and the totals. The per-customer results are rows of
/// <see cref="ClvResults"/> with this id. The document is also the fit's status while it runs.
/// </summary>
public sealed record ClvSnapshot
{
    public required Guid Id { get; init; }

    public required FitStatus Status { get; init; }

    public required ClvFitSettings Settings { get; init; }

    /// <summary>True when the fit covers every customer (no prefix or source filter): only these are the default view.</summary>
    public required bool FullScope { get; init; }

    public required DateTimeOffset RequestedAt { get; init; }

    /// <summary>The API key's name, or "schedule" for a periodic refit.</summary>
    public required string RequestedBy { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the fit finished: for a completed snapshot, "when fitted".</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    public FitProgress Progress { get; init; } = new("queued", 0, 0);

    public string? Error { get; init; }

    public ClvFitOutcome? Outcome { get; init; }
}

/// <summary>Where a running fit is: the phase, and within it how many of how many (customers, or steps).</summary>
public sealed record FitProgress(string Phase, long Done, long Total);

/// <summary>A fit request with every default filled in; stored with the snapshot so the fit can be repeated exactly.</summary>
/// <param name="Currency">Only purchases and refunds in this currency are used: spend cannot be averaged across currencies.</param>
/// <param name="ObservationStart">First day whose purchases count (customers first buying earlier are treated as first buying on their first purchase on or after it).</param>
/// <param name="CalibrationEnd">Last day of the data the models are fitted on; the snapshot describes customers as of the end of this day.</param>
/// <param name="HoldoutEnd">When set, purchases after calibration up to this day are compared with the model's predictions.</param>
/// <param name="HorizonPeriods">CLV horizon in periods.</param>
/// <param name="PeriodWeeks">Length of one period in weeks (52/12 for a month).</param>
/// <param name="DiscountRatePerPeriod">Discount rate per period.</param>
/// <param name="MarginRate">Share of revenue that is profit, applied to the CLV and to the historical revenue.</param>
public sealed record ClvFitSettings(
    string Currency,
    string? CustomerPrefix,
    string? Source,
    DateOnly ObservationStart,
    DateOnly CalibrationEnd,
    DateOnly? HoldoutEnd,
    int HorizonPeriods,
    double PeriodWeeks,
    double DiscountRatePerPeriod,
    double MarginRate,
    ChurnSignalWeights ChurnWeights)
{
    /// <summary>The models count time in weeks (the convention of the published CDNOW results).</summary>
    public SummaryPeriod Period => new(ObservationStart, CalibrationEnd);

    public ClvOptions ClvOptions => new(HorizonPeriods, PeriodWeeks, DiscountRatePerPeriod, MarginRate);

    public double HorizonWeeks => HorizonPeriods * PeriodWeeks;

    /// <summary>The end of the calibration day: customers are described, and signals read, as of this instant.</summary>
    public DateTimeOffset CalibrationCutoff => new(CalibrationEnd.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero);
}

/// <param name="Customers">Customers whose first purchase falls in the calibration window.</param>
/// <param name="Orders">Orders (after refunds) in the data read, holdout included.</param>
/// <param name="FullyRefundedOrders">Orders left out because they were refunded in full.</param>
/// <param name="UnmatchedRefunds">Refunded order ids without a purchase in the data read.</param>
/// <param name="SpendModel">Null when no customer made a repeat purchase: then no CLV can be computed.</param>
/// <param name="Holdout">Null unless a holdout end was given.</param>
public sealed record ClvFitOutcome(
    int Customers,
    int RepeatCustomers,
    int Orders,
    int FullyRefundedOrders,
    int UnmatchedRefunds,
    TransactionModelFit TransactionModel,
    SpendModelFit? SpendModel,
    HoldoutCheck? Holdout,
    ClvTotals Totals);

/// <summary>BG/NBD maximum-likelihood estimates (time in weeks).</summary>
public sealed record TransactionModelFit(double R, double Alpha, double A, double B, double LogLikelihood, int Iterations, bool Converged);

/// <summary>Gamma-Gamma maximum-likelihood estimates, fitted on the customers with at least one repeat purchase.</summary>
public sealed record SpendModelFit(double P, double Q, double Gamma, double LogLikelihood, int Iterations, bool Converged, int Customers);

/// <summary>Predicted (BG/NBD) against actual repeat purchases after calibration, per calibration-frequency bucket.</summary>
public sealed record HoldoutCheck(DateOnly HoldoutEnd, double Weeks, double TotalPredicted, int TotalActual, IReadOnlyList<HoldoutBucket> Buckets);

/// <param name="TotalClv">Sum of the customers' CLV; null without a spend model.</param>
/// <param name="TotalValueAtRisk">Sum of CLV × churn risk; null without a spend model.</param>
public sealed record ClvTotals(double? TotalClv, double? TotalValueAtRisk, double MeanProbabilityAlive, double MeanChurnRisk, decimal NetRevenue);
