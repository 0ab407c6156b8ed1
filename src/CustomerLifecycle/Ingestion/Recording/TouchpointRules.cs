using System.Collections.Frozen;
using FluentValidation;

namespace CustomerLifecycle.Ingestion.Recording;

/// <summary>The common fields of a submission once read from JSON, judged against the receive time.</summary>
public sealed record Envelope(
    string? EventId, string? CustomerId, string? Type, DateTimeOffset? OccurredAt, DateTimeOffset? SentAt, string? Source, DateTimeOffset ReceivedAt)
{
    public DateTimeOffset? CorrectedOccurredAt => OccurredAt is { } at ? ClockSkew.Correct(at, SentAt, ReceivedAt) : null;
}

public sealed class EnvelopeValidator : AbstractValidator<Envelope>
{
    // Keys are visible in URLs, logs and stream ids: printable ASCII without spaces keeps them unambiguous.
    private const string KeyPattern = @"^[\x21-\x7E]+$";

    public EnvelopeValidator(TimeSpan maxFutureSkew)
    {
        RuleFor(x => x.EventId).NotEmpty().MaximumLength(128)
            .Matches(KeyPattern).WithMessage("must be printable ASCII without spaces");
        RuleFor(x => x.CustomerId).NotEmpty()
            .Must(id => id is null || id.Length == 0 || CustomerIds.IsValid(id)).WithMessage(CustomerIds.Rule);
        RuleFor(x => x.Type).NotEmpty()
            .Must(t => t is null || TouchpointTypes.ByName.ContainsKey(t))
            .WithMessage(x => $"'{x.Type}' is not a touchpoint type; known types: {string.Join(", ", TouchpointTypes.ByName.Keys.Order(StringComparer.Ordinal))}");
        RuleFor(x => x.Source).NotEmpty().MaximumLength(64)
            .Matches("^[A-Za-z0-9][A-Za-z0-9._:-]*$").WithMessage("must start with a letter or digit and use only letters, digits, '.', '_', ':' or '-'");
        RuleFor(x => x.OccurredAt).NotNull();
        RuleFor(x => x.CorrectedOccurredAt)
            .Must(at => at >= IngestionLimits.EarliestOccurredAt)
            .When(x => x.OccurredAt is not null)
            .OverridePropertyName("occurredAt")
            .WithMessage("is before 1970-01-01 (after clock-skew correction)");
        RuleFor(x => x.CorrectedOccurredAt)
            .Must((x, at) => at <= x.ReceivedAt + maxFutureSkew)
            .When(x => x.OccurredAt is not null)
            .OverridePropertyName("occurredAt")
            .WithMessage(x => $"is more than {maxFutureSkew.TotalHours:0.#} h in the future (after clock-skew correction it is {x.CorrectedOccurredAt:O}; received at {x.ReceivedAt:O})");
        RuleFor(x => x.SentAt)
            .Must(at => at >= IngestionLimits.EarliestOccurredAt)
            .When(x => x.SentAt is not null)
            .WithMessage("is before 1970-01-01");
    }
}

/// <summary>The per-type rules for a touchpoint's data (the envelope fields are judged by <see cref="EnvelopeValidator"/>).</summary>
public static class TouchpointDataValidators
{
    public static readonly FrozenDictionary<Type, IValidator> ByType = new Dictionary<Type, IValidator>
    {
        [typeof(AdShown)] = V<AdShown>(v => { v.Channel(x => x.Channel, required: true); v.Text(x => x.Campaign, 256); }),
        [typeof(AdClicked)] = V<AdClicked>(v => { v.Channel(x => x.Channel, required: true); v.Text(x => x.Campaign, 256); }),
        [typeof(SiteVisited)] = V<SiteVisited>(v => { v.Text(x => x.Page, 2048); v.Channel(x => x.Channel); v.Text(x => x.Campaign, 256); }),
        [typeof(LeadCaptured)] = V<LeadCaptured>(v => { v.Channel(x => x.Channel); v.Text(x => x.Campaign, 256); }),
        [typeof(SignedUp)] = V<SignedUp>(v => { v.Channel(x => x.Channel); v.Text(x => x.Campaign, 256); v.Text(x => x.Plan, 128); }),
        [typeof(ContactDetailsProvided)] = V<ContactDetailsProvided>(v =>
        {
            v.RuleFor(x => x.Name).NotEmpty().MaximumLength(200).When(x => x.Name is not null);
            v.RuleFor(x => x.Email).NotEmpty().MaximumLength(254).EmailAddress().When(x => x.Email is not null);
            v.RuleFor(x => x.Phone).MaximumLength(32).Matches(@"^\+?[0-9 ()\-]{3,}$").WithMessage("must be digits with optional +, spaces, parentheses or dashes");
            v.RuleFor(x => x).Must(x => !string.IsNullOrWhiteSpace(x.Name) || !string.IsNullOrWhiteSpace(x.Email) || !string.IsNullOrWhiteSpace(x.Phone))
                .OverridePropertyName("name").WithMessage("at least one of name, email or phone is required");
        }),
        [typeof(TrialStarted)] = V<TrialStarted>(v => { v.Text(x => x.Plan, 128); v.RuleFor(x => x.EndsAt).GreaterThan(x => x.OccurredAt).When(x => x.EndsAt is not null).WithMessage("must be after occurredAt"); }),
        [typeof(TrialEnded)] = V<TrialEnded>(v => { v.Text(x => x.Plan, 128); v.RuleFor(x => x.Outcome).IsInEnum(); }),
        [typeof(PurchaseCompleted)] = V<PurchaseCompleted>(v =>
        {
            v.Id(x => x.OrderId);
            v.Money(x => x.Amount);
            v.Currency(x => x.Currency);
            v.RuleFor(x => x.Items).Must(items => items is null || items.Count <= 500).WithMessage("must have at most 500 items");
            v.RuleForEach(x => x.Items).NotNull().WithMessage("must not contain null items");
            v.RuleForEach(x => x.Items).ChildRules(item =>
            {
                item.RuleFor(i => i.Sku).MaximumLength(128);
                item.RuleFor(i => i.Category).MaximumLength(128);
                item.RuleFor(i => i.Quantity).InclusiveBetween(1, 1_000_000);
                item.RuleFor(i => i.UnitPrice).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000_000_000m).PrecisionScale(18, 4, ignoreTrailingZeros: true);
            });
        }),
        [typeof(RefundIssued)] = V<RefundIssued>(v => { v.Id(x => x.OrderId); v.Money(x => x.Amount); v.Currency(x => x.Currency); v.Text(x => x.Reason, 200); }),
        [typeof(SubscriptionStarted)] = V<SubscriptionStarted>(v =>
        {
            v.Id(x => x.SubscriptionId);
            v.RuleFor(x => x.Plan).NotEmpty().MaximumLength(128);
            v.RuleFor(x => x.Amount).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000_000_000m).PrecisionScale(18, 4, ignoreTrailingZeros: true);
            v.RuleFor(x => x.Currency).NotEmpty().When(x => x.Amount is not null).WithMessage("is required when amount is given");
            v.RuleFor(x => x.Currency).Matches("^[A-Z]{3}$").WithMessage("must be an ISO 4217 code such as EUR");
            v.RuleFor(x => x.Interval).IsInEnum();
        }),
        [typeof(SubscriptionRenewed)] = V<SubscriptionRenewed>(v =>
        {
            v.Id(x => x.SubscriptionId);
            v.RuleFor(x => x.Amount).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000_000_000m).PrecisionScale(18, 4, ignoreTrailingZeros: true);
            v.RuleFor(x => x.Currency).NotEmpty().When(x => x.Amount is not null).WithMessage("is required when amount is given");
            v.RuleFor(x => x.Currency).Matches("^[A-Z]{3}$").WithMessage("must be an ISO 4217 code such as EUR");
        }),
        [typeof(SubscriptionCancelled)] = V<SubscriptionCancelled>(v => { v.Id(x => x.SubscriptionId); v.Text(x => x.Reason, 200); }),
        [typeof(ComplaintFiled)] = V<ComplaintFiled>(v => { v.Id(x => x.ComplaintId); v.Text(x => x.Category, 128); v.RuleFor(x => x.Severity).IsInEnum(); }),
        [typeof(ComplaintResolved)] = V<ComplaintResolved>(v => { v.Id(x => x.ComplaintId); v.Text(x => x.Resolution, 200); }),
        [typeof(SurveyAnswered)] = V<SurveyAnswered>(v =>
        {
            v.Id(x => x.SurveyId);
            v.RuleFor(x => x.Kind).IsInEnum();
            v.RuleFor(x => x.Score).InclusiveBetween(0, 10).When(x => x.Kind == SurveyKind.Nps).WithMessage("must be 0..10 for an NPS answer");
            v.RuleFor(x => x.Score).InclusiveBetween(1, 5).When(x => x.Kind == SurveyKind.Csat).WithMessage("must be 1..5 for a CSAT answer");
        }),
        [typeof(SupportContacted)] = V<SupportContacted>(v => { v.Channel(x => x.Channel, required: true); v.Text(x => x.Topic, 128); }),
        [typeof(ReferralMade)] = V<ReferralMade>(v =>
        {
            v.RuleFor(x => x.ReferredCustomerId).NotEmpty().Must(id => id is null || id.Length == 0 || CustomerIds.IsValid(id)).WithMessage(CustomerIds.Rule);
            v.RuleFor(x => x.ReferredCustomerId).NotEqual(x => x.CustomerId).WithMessage("a customer cannot refer themselves");
            v.Channel(x => x.Channel);
        }),
        [typeof(LoyaltyPointsEarned)] = V<LoyaltyPointsEarned>(v => { v.RuleFor(x => x.Points).InclusiveBetween(1, 1_000_000_000); v.Text(x => x.Reason, 200); }),
        [typeof(LoyaltyPointsRedeemed)] = V<LoyaltyPointsRedeemed>(v => { v.RuleFor(x => x.Points).InclusiveBetween(1, 1_000_000_000); v.Text(x => x.Reason, 200); }),
        [typeof(MembershipTierChanged)] = V<MembershipTierChanged>(v => { v.RuleFor(x => x.Tier).NotEmpty().MaximumLength(64); v.Text(x => x.PreviousTier, 64); }),
    }.ToFrozenDictionary();

    private static InlineValidator<T> V<T>(Action<InlineValidator<T>> rules)
    {
        var validator = new InlineValidator<T>();
        rules(validator);
        return validator;
    }

    private static void Text<T>(this InlineValidator<T> v, System.Linq.Expressions.Expression<Func<T, string?>> field, int max) =>
        v.RuleFor(field).MaximumLength(max);

    private static void Id<T>(this InlineValidator<T> v, System.Linq.Expressions.Expression<Func<T, string>> field) =>
        v.RuleFor(field).NotEmpty().MaximumLength(128);

    private static void Channel<T>(this InlineValidator<T> v, System.Linq.Expressions.Expression<Func<T, string?>> field, bool required = false)
    {
        var rule = v.RuleFor(field).MaximumLength(64);
        if (required)
        {
            rule.NotEmpty();
        }
    }

    private static void Money<T>(this InlineValidator<T> v, System.Linq.Expressions.Expression<Func<T, decimal>> field) =>
        v.RuleFor(field).GreaterThanOrEqualTo(0).LessThanOrEqualTo(1_000_000_000_000m).PrecisionScale(18, 4, ignoreTrailingZeros: true);

    private static void Currency<T>(this InlineValidator<T> v, System.Linq.Expressions.Expression<Func<T, string>> field) =>
        v.RuleFor(field).NotEmpty().Matches("^[A-Z]{3}$").WithMessage("must be an ISO 4217 code such as EUR");
}
