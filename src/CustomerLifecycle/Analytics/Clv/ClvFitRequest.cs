using System.Text.RegularExpressions;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>Defaults of every fit and the refit schedule (configuration section "Analytics:Clv").</summary>
public sealed class ClvDefaults
{
    public const string Section = "Analytics:Clv";

    public string Currency { get; set; } = "EUR";

    /// <summary>
    /// The purchase model of fits that do not name one, including scheduled refits: <c>bgnbd</c>, <c>mbgnbd</c> or
    /// <c>paretonbd</c>. Not <c>best</c>: a scheduled refit has no holdout to choose on.
    /// </summary>
    public string Model { get; set; } = PurchaseModelNames.BgNbd;

    /// <summary>Margin when neither the request nor <see cref="MarginByCurrency"/> gives one: 1 makes CLV a revenue figure.</summary>
    public double MarginRate { get; set; } = 1;

    /// <summary>Margin per currency (e.g. USD: 0.3), for shops whose margins differ by market.</summary>
    public Dictionary<string, double> MarginByCurrency { get; set; } = new(StringComparer.Ordinal);

    public int HorizonPeriods { get; set; } = 12;

    public double PeriodWeeks { get; set; } = 52.0 / 12;

    public double DiscountRatePerPeriod { get; set; } = 0.01;

    /// <summary>How often a full-scope refit is queued; zero turns the schedule off.</summary>
    public TimeSpan RefitInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Per-customer rows are kept for this many of the newest completed snapshots; older snapshots keep only their document.</summary>
    public int KeepResultsOfSnapshots { get; set; } = 30;

    /// <summary>Fits waiting to run; one more request gets 429 with Retry-After (fits run one at a time per node).</summary>
    public int MaxQueuedFits { get; set; } = 20;

    /// <summary>Every problem with these settings, each naming the setting (checked at start).</summary>
    public IEnumerable<string> Problems()
    {
        if (MarginRate is not (> 0 and <= 1))
        {
            yield return $"{Section}:{nameof(MarginRate)} must be more than 0 and at most 1 (got {MarginRate})";
        }

        foreach (var (currency, margin) in MarginByCurrency.Where(m => m.Value is not (> 0 and <= 1)))
        {
            yield return $"{Section}:{nameof(MarginByCurrency)}:{currency} must be more than 0 and at most 1 (got {margin})";
        }

        if (!PurchaseModelNames.Models.Contains(Model))
        {
            yield return $"{Section}:{nameof(Model)} must be one of {string.Join(", ", PurchaseModelNames.Models)} (got {Model})";
        }

        if (HorizonPeriods is < 1 or > 600)
        {
            yield return $"{Section}:{nameof(HorizonPeriods)} must be between 1 and 600 (got {HorizonPeriods})";
        }

        if (PeriodWeeks is not (> 0 and <= 520))
        {
            yield return $"{Section}:{nameof(PeriodWeeks)} must be more than 0 and at most 520 (got {PeriodWeeks})";
        }

        if (DiscountRatePerPeriod is not (>= 0 and < 1))
        {
            yield return $"{Section}:{nameof(DiscountRatePerPeriod)} must be at least 0 and below 1 (got {DiscountRatePerPeriod})";
        }

        if (RefitInterval < TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(RefitInterval)} must not be negative (got {RefitInterval})";
        }

        if (KeepResultsOfSnapshots < 1)
        {
            yield return $"{Section}:{nameof(KeepResultsOfSnapshots)} must be at least 1 (got {KeepResultsOfSnapshots})";
        }

        if (MaxQueuedFits < 1)
        {
            yield return $"{Section}:{nameof(MaxQueuedFits)} must be at least 1 (got {MaxQueuedFits})";
        }
    }
}

/// <summary>POST /api/analytics/clv/fits. Every field is optional; see docs/analytics.md for the defaults.</summary>
public sealed partial record ClvFitRequest(
    string? Currency = null,
    string? CustomerPrefix = null,
    string? Source = null,
    DateOnly? ObservationStart = null,
    DateOnly? CalibrationEnd = null,
    DateOnly? HoldoutEnd = null,
    int? HorizonPeriods = null,
    double? PeriodWeeks = null,
    double? DiscountRatePerPeriod = null,
    double? MarginRate = null,
    string? Model = null)
{
    /// <summary>Nothing in the store predates it (docs/events.md).</summary>
    public static readonly DateOnly EarliestDay = new(1970, 1, 1);

    /// <summary>The request with defaults filled in, or every problem keyed by field. Pure: "today" comes in.</summary>
    public (ClvFitSettings? Settings, Dictionary<string, string[]> Errors) Resolve(ClvDefaults defaults, ChurnSignalWeights weights, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Check(bool ok, string field, string message)
        {
            if (!ok && !errors.ContainsKey(field))
            {
                errors[field] = [message];
            }
        }

        var currency = Currency ?? defaults.Currency;
        var observationStart = ObservationStart ?? EarliestDay;
        var calibrationEnd = CalibrationEnd ?? today;
        Check(CurrencyPattern().IsMatch(currency), "currency", "must be three upper-case letters, e.g. USD");
        Check(CustomerPrefix is null || Ingestion.CustomerIds.IsValidPrefix(CustomerPrefix, Ingestion.CustomerIds.MaxLength), "customerPrefix", "must be 1-128 characters of a customer id (A-Z a-z 0-9 - . _ ~ : @ ! $ & ' ( ) * + , ; =), not starting with '$'");
        Check(Source is null || (Source.Length is > 0 and <= 64 && SourcePattern().IsMatch(Source)), "source", "must be a touchpoint source: letters, digits, '.', '_', ':' or '-'");
        Check(observationStart >= EarliestDay, "observationStart", "must not be before 1970-01-01");
        Check(calibrationEnd <= today, "calibrationEnd", "must not be in the future: the models describe customers as of a day already over");
        Check(observationStart < calibrationEnd, "observationStart", "must be before calibrationEnd");
        Check(HoldoutEnd is null || HoldoutEnd > calibrationEnd, "holdoutEnd", "must be after calibrationEnd");
        Check(HoldoutEnd is null || HoldoutEnd <= today, "holdoutEnd", "must not be in the future: a holdout compares predictions with purchases already made");
        Check(HorizonPeriods is null or (>= 1 and <= 600), "horizonPeriods", "must be between 1 and 600");
        Check(PeriodWeeks is null or (> 0 and <= 520), "periodWeeks", "must be more than 0 and at most 520");
        Check(DiscountRatePerPeriod is null or (>= 0 and < 1), "discountRatePerPeriod", "must be at least 0 and below 1");
        Check(MarginRate is null or (> 0 and <= 1), "marginRate", "must be more than 0 and at most 1");
        Check(Model is null || PurchaseModelNames.Requestable.Contains(Model), "model", $"must be one of {string.Join(", ", PurchaseModelNames.Requestable)}");
        Check(Model != PurchaseModelNames.Best || HoldoutEnd is not null, "model", "best chooses the model that predicts the holdout best, so it needs holdoutEnd");
        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var margin = MarginRate ?? (defaults.MarginByCurrency.TryGetValue(currency, out var configured) ? configured : defaults.MarginRate);
        return (new ClvFitSettings(
            currency, CustomerPrefix, Source, observationStart, calibrationEnd, HoldoutEnd,
            HorizonPeriods ?? defaults.HorizonPeriods, PeriodWeeks ?? defaults.PeriodWeeks, DiscountRatePerPeriod ?? defaults.DiscountRatePerPeriod,
            margin, weights, Model ?? defaults.Model), errors);
    }

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();


    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SourcePattern();
}
