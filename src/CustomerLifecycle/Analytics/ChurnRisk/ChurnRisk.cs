using System.Globalization;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.ChurnRisk;

/// <summary>Stable reason codes; docs/analytics.md explains each.</summary>
public static class ChurnReasonCodes
{
    public const string ModelDropout = "model_dropout";
    public const string Overdue = "overdue";
    public const string OpenComplaints = "open_complaints";
    public const string Detractor = "detractor";
    public const string FallingFrequency = "falling_frequency";
}

/// <summary>
/// One reason behind a customer's churn risk. For a warning sign from the journey: how strongly it is present (0..1)
/// and how much it may weigh (0..1). For a term of the purchase model: the coefficient as weight and the customer's
/// distance from the average customer as strength. Either way <see cref="LogOdds"/> is what it adds to the score.
/// </summary>
/// <param name="Code">One of <see cref="ChurnReasonCodes"/>, or a signal of <see cref="ChurnProbabilityModel.Signals"/>.</param>
/// <param name="Strength">A warning sign: 0 = absent, 1 = fully present. A model term: the customer's value minus the average customer's.</param>
/// <param name="Weight">A warning sign: the most it can take away from the chance of keeping the customer. A model term: its coefficient.</param>
/// <param name="Detail">The evidence in words, for the people who act on it.</param>
public sealed record ChurnReason(string Code, double Strength, double Weight, string Detail)
{
    /// <summary>Weight × strength: for a warning sign, the share of the chance of keeping the customer it removes.</summary>
    public double Effect => Weight * Strength;

    /// <summary>What this reason adds to the log-odds of churn; the assessment's baseline plus every reason's share is the score's log-odds.</summary>
    public double LogOdds { get; init; }
}

/// <param name="Risk">Probability of no purchase over <paramref name="HorizonWeeks"/>, raised by the journey's warning signs.</param>
/// <param name="BaselineLogOdds">The average customer's log-odds; with every reason's <see cref="ChurnReason.LogOdds"/> it adds up to logit(risk).</param>
public sealed record ChurnAssessment(double Risk, double BaselineLogOdds, double HorizonWeeks, IReadOnlyList<ChurnReason> Reasons);

/// <summary>
/// How much each explicit signal may weigh against the model's P(alive), and the windows the signals look at
/// (configuration section "Analytics:ChurnRisk"). Kept with every snapshot, so a risk can always be recomputed.
/// </summary>
public sealed record ChurnSignalWeights
{
    public const string Section = "Analytics:ChurnRisk";

    /// <summary>
    /// 0 by default: the purchase model already weighs recency against the customer's frequency, learned from the
    /// store's own history, and weighing it again by judgement made the ranking worse on held-out data
    /// (docs/analytics.md). The sign is still listed as a reason, with no share of the score.
    /// </summary>
    public double Overdue { get; init; }

    public double OpenComplaints { get; init; } = 0.4;

    public double Detractor { get; init; } = 0.4;

    /// <summary>0 by default, for the reason given at <see cref="Overdue"/>.</summary>
    public double FallingFrequency { get; init; }

    /// <summary>Falling frequency compares purchases in the last window of this many days with the window before.</summary>
    public int FrequencyWindowDays { get; init; } = 180;

    /// <summary>An NPS answer older than this many days no longer counts.</summary>
    public int DetractorLookbackDays { get; init; } = 365;

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, weight) in new[] { (nameof(Overdue), Overdue), (nameof(OpenComplaints), OpenComplaints), (nameof(Detractor), Detractor), (nameof(FallingFrequency), FallingFrequency) })
        {
            if (!(weight is >= 0 and < 1))
            {
                errors[name] = ["must be at least 0 and below 1 (a weight of 1 would make one sign certain churn)"];
            }
        }

        if (FrequencyWindowDays < 1)
        {
            errors[nameof(FrequencyWindowDays)] = ["must be positive"];
        }

        if (DetractorLookbackDays < 1)
        {
            errors[nameof(DetractorLookbackDays)] = ["must be positive"];
        }

        return errors;
    }
}

/// <summary>
/// Churn risk = the purchase model's calibrated probability of no purchase over the horizon
/// (<see cref="ChurnProbabilityModel"/>: MBG/NBD, whose dropout covers one-time buyers, combined with recency,
/// frequency, age and spend by a logistic regression learned from the store's own history), with each warning sign
/// of the journey multiplying the odds of churn by 1 / (1 − weight × strength). Everything is a share of one
/// log-odds, so the reasons add up to the score, the risk stays in (0, 1), and it rises with every sign present.
/// </summary>
public static class ChurnRiskFormula
{
    public static ChurnAssessment Assess(ChurnProbabilityModel model, CustomerPurchaseSummary customer, IEnumerable<ChurnReason> signals)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(signals);
        var prediction = model.Predict(customer);
        var reasons = new List<ChurnReason>();
        foreach (var (contribution, j) in prediction.Contributions.Select((c, j) => (c, j)))
        {
            var coefficient = model.Coefficients[j + 1];
            reasons.Add(new ChurnReason(contribution.Signal, coefficient == 0 ? 0 : contribution.LogOdds / coefficient, coefficient, ModelDetail(model, customer, contribution.Signal))
            {
                LogOdds = contribution.LogOdds,
            });
        }

        var logOdds = prediction.BaselineLogOdds + prediction.Contributions.Sum(c => c.LogOdds);
        foreach (var signal in signals)
        {
            if (!(signal.Strength is >= 0 and <= 1) || !(signal.Weight is >= 0 and < 1))
            {
                throw new ArgumentOutOfRangeException(nameof(signals), signal, "A warning sign's strength is between 0 and 1, its weight at least 0 and below 1.");
            }

            // A sign present but not weighed (weight 0) is still evidence worth showing; it adds nothing to the score.
            if (signal.Strength > 0)
            {
                var share = -Math.Log(1 - signal.Effect);
                logOdds += share;
                reasons.Add(signal with { LogOdds = share });
            }
        }

        return new ChurnAssessment(
            MbgNbd.Logistic(logOdds), prediction.BaselineLogOdds, model.HorizonWeeks,
            [.. reasons.OrderByDescending(r => r.LogOdds).ThenBy(r => r.Code, StringComparer.Ordinal)]);
    }

    private static string ModelDetail(ChurnProbabilityModel model, CustomerPurchaseSummary c, string signal) => signal switch
    {
        ChurnReasonCodes.ModelDropout => string.Create(CultureInfo.InvariantCulture,
            $"the purchase pattern gives a {MbgNbd.ProbabilityOfNoPurchase(model.Dropout, c.Summary, model.HorizonWeeks):P1} chance of no purchase in {model.HorizonWeeks:0.#} weeks (MBG/NBD)"),
        "weeks_since_last_purchase" => string.Create(CultureInfo.InvariantCulture, $"{c.T - c.Recency:0.#} weeks since the last purchase"),
        "repeat_purchases" => string.Create(CultureInfo.InvariantCulture, $"{c.Frequency} repeat purchase day(s)"),
        "customer_age" => string.Create(CultureInfo.InvariantCulture, $"first purchase {c.T:0.#} weeks ago"),
        "repeat_spend" => string.Create(CultureInfo.InvariantCulture, $"{c.MonetaryValue:0.00} spent per repeat purchase day on average"),
        "share_of_life_silent" => string.Create(CultureInfo.InvariantCulture, $"silent for {(c.T > 0 ? (c.T - c.Recency) / c.T : 1):P0} of their time as a customer"),
        _ => signal,
    };
}
