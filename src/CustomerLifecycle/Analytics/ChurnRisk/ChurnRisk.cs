using System.Globalization;

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

/// <summary>One reason a customer may be lost: how strongly it is present (0..1) and how much it may weigh (0..1).</summary>
/// <param name="Code">One of <see cref="ChurnReasonCodes"/>.</param>
/// <param name="Strength">0 = absent, 1 = fully present (e.g. twice overdue, or a detractor answer).</param>
/// <param name="Weight">The most this reason can take away from the chance of keeping the customer.</param>
/// <param name="Detail">The evidence in words, for the people who act on it.</param>
public sealed record ChurnReason(string Code, double Strength, double Weight, string Detail)
{
    /// <summary>The factor this reason removes from the survival chance: weight × strength.</summary>
    public double Effect => Weight * Strength;
}

public sealed record ChurnAssessment(double Risk, IReadOnlyList<ChurnReason> Reasons);

/// <summary>
/// How much each explicit signal may weigh against the model's P(alive), and the windows the signals look at
/// (configuration section "Analytics:ChurnRisk"). Kept with every snapshot, so a risk can always be recomputed.
/// </summary>
public sealed record ChurnSignalWeights
{
    public const string Section = "Analytics:ChurnRisk";

    public double Overdue { get; init; } = 0.5;

    public double OpenComplaints { get; init; } = 0.4;

    public double Detractor { get; init; } = 0.4;

    public double FallingFrequency { get; init; } = 0.3;

    /// <summary>Falling frequency compares purchases in the last window of this many days with the window before.</summary>
    public int FrequencyWindowDays { get; init; } = 180;

    /// <summary>An NPS answer older than this many days no longer counts.</summary>
    public int DetractorLookbackDays { get; init; } = 365;

    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, weight) in new[] { (nameof(Overdue), Overdue), (nameof(OpenComplaints), OpenComplaints), (nameof(Detractor), Detractor), (nameof(FallingFrequency), FallingFrequency) })
        {
            if (!(weight is >= 0 and <= 1))
            {
                errors[name] = ["must be between 0 and 1"];
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
/// Churn risk = 1 − P(alive) × Π (1 − weight × strength) over the explicit signals. P(alive) is the calibrated
/// part: the BG/NBD chance that the customer still buys. Each signal then removes a share of what is left, as
/// independent warnings combine ("noisy-OR"), so the risk stays in [0, 1], never falls below the model's 1 − P(alive),
/// rises with every signal present, and no single configured weight can push it to 1 on its own unless it is 1.
/// </summary>
public static class ChurnRiskFormula
{
    public static ChurnAssessment Assess(double probabilityAlive, IEnumerable<ChurnReason> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        if (!(probabilityAlive is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probabilityAlive), probabilityAlive, "A probability is between 0 and 1.");
        }

        var reasons = new List<ChurnReason>();
        if (probabilityAlive < 1)
        {
            reasons.Add(new ChurnReason(ChurnReasonCodes.ModelDropout, 1 - probabilityAlive, 1,
                string.Create(CultureInfo.InvariantCulture, $"the purchase pattern gives a {probabilityAlive:P1} chance of still buying (BG/NBD)")));
        }

        var survival = probabilityAlive;
        foreach (var signal in signals)
        {
            if (!(signal.Strength is >= 0 and <= 1) || !(signal.Weight is >= 0 and <= 1))
            {
                throw new ArgumentOutOfRangeException(nameof(signals), signal, "Strength and weight are between 0 and 1.");
            }

            if (signal.Effect > 0)
            {
                survival *= 1 - signal.Effect;
                reasons.Add(signal);
            }
        }

        return new ChurnAssessment(1 - survival, [.. reasons.OrderByDescending(r => r.Effect).ThenBy(r => r.Code, StringComparer.Ordinal)]);
    }
}
