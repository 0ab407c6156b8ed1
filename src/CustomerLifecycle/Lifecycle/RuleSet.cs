using System.Globalization;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The lifecycle rules as data: thresholds and switches, named and versioned so that every transition can say
/// which rules produced it, and a what-if can compare two rule sets on the same history. Defaults are the
/// production rules; use <c>with</c> to derive a candidate. Rules that define the main path are always on;
/// only the optional signals have switches.
/// </summary>
public sealed record RuleSet
{
    public static RuleSet Default { get; } = new() { Id = "default", Version = "2026-11-v1" };

    public required string Id { get; init; }

    /// <summary>Stamped on every transition (<see cref="StageChange.RuleSetVersion"/>).</summary>
    public required string Version { get; init; }

    /// <summary>inactive-at-risk: days without purchase-like activity before a customer is at risk.</summary>
    public int AtRiskAfterDays { get; init; } = 90;

    /// <summary>inactive-churned: days without purchase-like activity before a customer has churned.</summary>
    public int ChurnAfterDays { get; init; } = 180;

    /// <summary>overdue-at-risk: purchases (in the current buying spell) needed before a rhythm is trusted.</summary>
    public int OverdueMinPurchases { get; init; } = 3;

    /// <summary>overdue-at-risk: how many times the median gap between purchases counts as overdue.</summary>
    public double OverdueFactor { get; init; } = 2.0;

    /// <summary>overdue-at-risk: never overdue sooner than this many days after the last purchase.</summary>
    public int OverdueMinDays { get; init; } = 14;

    /// <summary>overdue-at-risk: the median is taken over at most this many of the latest gaps (recent rhythm).</summary>
    public int OverdueLookbackIntervals { get; init; } = 12;

    /// <summary>loyal-by-frequency: purchases needed within <see cref="LoyalWindowDays"/>.</summary>
    public int LoyalMinPurchases { get; init; } = 4;

    /// <summary>loyal-by-frequency: the window, in days, ending at the purchase being evaluated.</summary>
    public int LoyalWindowDays { get; init; } = 365;

    /// <summary>complaint-at-risk: days a serious complaint may stay open before the customer is at risk.</summary>
    public int ComplaintOpenDays { get; init; } = 14;

    /// <summary>complaint-at-risk: the least severity that counts; complaints without a severity never count.</summary>
    public ComplaintSeverity ComplaintMinSeverity { get; init; } = ComplaintSeverity.High;

    /// <summary>detractor-at-risk: the highest NPS score (0..10) that counts as a detractor.</summary>
    public int DetractorMaxScore { get; init; } = 6;

    public bool InactiveAtRiskEnabled { get; init; } = true;

    public bool OverdueAtRiskEnabled { get; init; } = true;

    public bool ComplaintAtRiskEnabled { get; init; } = true;

    public bool DetractorAtRiskEnabled { get; init; } = true;

    public bool LoyalByFrequencyEnabled { get; init; } = true;

    public bool LoyalByMembershipEnabled { get; init; } = true;

    public bool SubscriptionCancelledChurnEnabled { get; init; } = true;

    internal TimeSpan AtRiskAfter => TimeSpan.FromDays(AtRiskAfterDays);

    internal TimeSpan ChurnAfter => TimeSpan.FromDays(ChurnAfterDays);

    internal TimeSpan OverdueMin => TimeSpan.FromDays(OverdueMinDays);

    internal TimeSpan LoyalWindow => TimeSpan.FromDays(LoyalWindowDays);

    internal TimeSpan ComplaintOpen => TimeSpan.FromDays(ComplaintOpenDays);

    /// <summary>How many of the latest purchases a buying spell keeps: enough for both loyalty and overdue.</summary>
    internal int RecentPurchasesKept => Math.Max(LoyalMinPurchases, OverdueLookbackIntervals + 1);

    /// <summary>Every problem with this rule set, keyed by field, so an API can answer 400 with all of them.</summary>
    public IReadOnlyList<RuleSetError> Validate()
    {
        var errors = new List<RuleSetError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors.Add(new RuleSetError(field, message));
            }
        }

        Check(!string.IsNullOrWhiteSpace(Id), nameof(Id), "must not be empty");
        Check(!string.IsNullOrWhiteSpace(Version), nameof(Version), "must not be empty");
        Check(AtRiskAfterDays > 0, nameof(AtRiskAfterDays), "must be positive");
        Check(ChurnAfterDays > 0, nameof(ChurnAfterDays), "must be positive");
        Check(ChurnAfterDays > AtRiskAfterDays, nameof(ChurnAfterDays), "must be greater than AtRiskAfterDays");
        Check(OverdueMinPurchases >= 2, nameof(OverdueMinPurchases), "must be at least 2 (a rhythm needs a gap)");
        Check(double.IsFinite(OverdueFactor) && OverdueFactor >= 1.0, nameof(OverdueFactor), "must be a number of at least 1");
        Check(OverdueMinDays > 0, nameof(OverdueMinDays), "must be positive");
        Check(OverdueLookbackIntervals > 0, nameof(OverdueLookbackIntervals), "must be positive");
        Check(LoyalMinPurchases >= 2, nameof(LoyalMinPurchases), "must be at least 2");
        Check(LoyalWindowDays > 0, nameof(LoyalWindowDays), "must be positive");
        Check(ComplaintOpenDays > 0, nameof(ComplaintOpenDays), "must be positive");
        Check(Enum.IsDefined(ComplaintMinSeverity), nameof(ComplaintMinSeverity), "must be a known severity");
        Check(DetractorMaxScore is >= 0 and <= 10, nameof(DetractorMaxScore), "must be an NPS score, 0 to 10");
        return errors;
    }

    internal RuleSet EnsureValid()
    {
        var errors = Validate();
        if (errors.Count == 0)
        {
            return this;
        }

        var detail = string.Join("; ", errors.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Field} {e.Message}")));
        throw new ArgumentException($"Rule set {Id} {Version} is invalid: {detail}", "rules");
    }
}

public sealed record RuleSetError(string Field, string Message);
