using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>
/// Where a fit is, and what came of it. Only <see cref="Completed"/> fits are ever served as the latest; a
/// <see cref="Degraded"/> fit keeps its customers, readable by its id with its status and problems beside every
/// answer; a <see cref="Failed"/> fit keeps its parameters and problems for diagnosis but no customers;
/// <see cref="NoData"/> means there was nothing to fit (no purchase in the scope and window), which is not a failure.
/// </summary>
public enum FitStatus { Queued, Running, Completed, Degraded, Failed, NoData }

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

    /// <summary>Why the fit is degraded or failed, each with a stable code; empty for a completed fit.</summary>
    public IReadOnlyList<FitProblem> Problems { get; init; } = [];

    public ClvFitOutcome? Outcome { get; init; }

    /// <summary>True when the fit's customers may be read (completed or degraded).</summary>
    public bool HasResults => Status is FitStatus.Completed or FitStatus.Degraded;

    /// <summary>True once the fit has ended, whatever came of it.</summary>
    public bool HasEnded => Status is FitStatus.Completed or FitStatus.Degraded or FitStatus.Failed or FitStatus.NoData;
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
/// <param name="Model">The purchase model asked for: <c>bgnbd</c>, <c>mbgnbd</c>, <c>paretonbd</c>, or <c>best</c> (chosen on the holdout); see <see cref="ClvFitOutcome.PurchaseModel"/> for the one used.</param>
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
    ChurnSignalWeights ChurnWeights,
    string Model = PurchaseModelNames.BgNbd)
{
    /// <summary>The models count time in weeks (the convention of the published CDNOW results).</summary>
    public SummaryPeriod Period => new(ObservationStart, CalibrationEnd);

    public ClvOptions ClvOptions => new(HorizonPeriods, PeriodWeeks, DiscountRatePerPeriod, MarginRate);

    public double HorizonWeeks => HorizonPeriods * PeriodWeeks;

    /// <summary>The horizon of the churn risk: the holdout's length when there is one (so it can be validated on it), else the CLV horizon.</summary>
    public double ChurnHorizonWeeks => HoldoutEnd is { } end ? Period.Between(CalibrationEnd, end) : HorizonWeeks;

    /// <summary>The end of the calibration day: customers are described, and signals read, as of this instant.</summary>
    public DateTimeOffset CalibrationCutoff => new(CalibrationEnd.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero);
}

/// <param name="Customers">Customers whose first purchase falls in the calibration window.</param>
/// <param name="RepeatCustomers">Of them, customers with at least one repeat purchase day in calibration.</param>
/// <param name="Orders">Orders kept (not refunded in full) in the data read, holdout included: the purchase occasions.</param>
/// <param name="FullyRefundedOrders">Orders left out because refunds took back all that was paid: given back, no occasion.</param>
/// <param name="ZeroValueOrders">Of <paramref name="Orders"/>, those kept at $0 (nothing paid, nothing refunded): occasions worth 0.</param>
/// <param name="UnmatchedRefunds">Refunded order ids without a purchase in the data read.</param>
/// <param name="TransactionModel">The BG/NBD fit, made in every snapshot; expected purchases and CLV come from it when it is <paramref name="PurchaseModel"/>'s choice.</param>
/// <param name="SpendModel">Null when no customer made a repeat purchase: then no CLV can be computed.</param>
/// <param name="ChurnModel">MBG/NBD and the learned weights of the churn risk; absent in snapshots fitted before the churn risk was learned.</param>
/// <param name="Holdout">Null unless a holdout end was given.</param>
/// <param name="ChurnHoldout">The churn risk scored on the holdout; null without a holdout, or when everybody (or nobody) bought in it.</param>
/// <param name="Totals">Null for a failed fit (no customer was valued).</param>
/// <param name="PurchaseModel">Which purchase model the expected purchases, next purchase, CLV and P(alive) come from, why, and every candidate's fit and holdout score; absent in snapshots fitted before the model could be chosen (they used BG/NBD).</param>
public sealed record ClvFitOutcome(
    int Customers,
    int RepeatCustomers,
    int Orders,
    int FullyRefundedOrders,
    int ZeroValueOrders,
    int UnmatchedRefunds,
    TransactionModelFit TransactionModel,
    SpendModelFit? SpendModel,
    ChurnModelFit? ChurnModel,
    HoldoutCheck? Holdout,
    ChurnValidationReport? ChurnHoldout,
    ClvTotals? Totals,
    PurchaseModelChoice? PurchaseModel = null);

/// <summary>BG/NBD maximum-likelihood estimates (time in weeks).</summary>
public sealed record TransactionModelFit(double R, double Alpha, double A, double B, double LogLikelihood, int Iterations, bool Converged);

/// <summary>Gamma-Gamma maximum-likelihood estimates, fitted on the customers with at least one repeat purchase.</summary>
public sealed record SpendModelFit(double P, double Q, double Gamma, double LogLikelihood, int Iterations, bool Converged, int Customers);

/// <summary>
/// The churn risk's model: MBG/NBD (time in weeks) and the logistic weights of its signals (docs/analytics.md).
/// </summary>
/// <param name="HorizonWeeks">The risk is the probability of no purchase over this many weeks.</param>
/// <param name="Coefficients">Intercept, then one per signal in <paramref name="Signals"/> order.</param>
/// <param name="WeightsLearned">False when the history was too short or one-sided to learn the weights: the risk is MBG/NBD's own.</param>
public sealed record ChurnModelFit(
    double R, double Alpha, double A, double B, double LogLikelihood, int Iterations, bool Converged,
    double HorizonWeeks, IReadOnlyList<string> Signals, IReadOnlyList<double> Coefficients, bool WeightsLearned);

/// <summary>Predicted (by the snapshot's purchase model) against actual repeat purchases after calibration, per calibration-frequency bucket.</summary>
public sealed record HoldoutCheck(DateOnly HoldoutEnd, double Weeks, double TotalPredicted, int TotalActual, IReadOnlyList<HoldoutBucket> Buckets);

/// <param name="TotalClv">Sum of the customers' CLV; null without a spend model.</param>
/// <param name="TotalValueAtRisk">Sum of CLV × churn risk; null without a spend model.</param>
/// <param name="CustomersWithoutClv">Customers left out of both sums: no CLV is defined for them (no spend model, or its mean does not exist for them).</param>
public sealed record ClvTotals(double? TotalClv, double? TotalValueAtRisk, int CustomersWithoutClv, double MeanProbabilityAlive, double MeanChurnRisk, decimal NetRevenue);
