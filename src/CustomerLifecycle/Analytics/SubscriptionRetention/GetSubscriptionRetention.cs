using System.Runtime.CompilerServices;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.SubscriptionRetention;

/// <summary>GET /api/analytics/subscriptions/retention: sBG retention curves and lifetime values of the subscription cohorts.</summary>
/// <param name="Subscriptions">Subscriptions counted in the cohorts (started before the date, with the interval and plan asked for).</param>
/// <param name="OtherIntervals">Subscriptions of the plan (and scope) left out because their start named another billing interval, or none.</param>
/// <param name="All">sBG fitted over every cohort at once.</param>
public sealed record SubscriptionRetentionReport(
    DateOnly AsOf, string Interval, string? Plan, string Currency, string? CustomerPrefix, int HorizonPeriods, double DiscountRatePerPeriod,
    int Subscriptions, int OtherIntervals, CohortRetention All, IReadOnlyList<CohortRetention> Cohorts);

/// <summary>The query, validated as one piece so the rules are testable without HTTP.</summary>
public sealed record SubscriptionRetentionQuery(
    string? Interval, string? Plan, string? Currency, string? CustomerPrefix, DateOnly? AsOf, int? HorizonPeriods, double? DiscountRatePerPeriod)
{
    public const int MaxHorizonPeriods = 120;

    public Dictionary<string, string[]> Validate(DateOnly today)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (Interval is not null && !SnapshotChoice.TryParseName<BillingInterval>(Interval, out _))
        {
            errors["interval"] = ["must be week, month, quarter or year"];
        }

        if (Plan is { Length: 0 or > 128 })
        {
            errors["plan"] = ["must be 1-128 characters, as in subscription_started"];
        }

        if (Currency is not null && !(Currency.Length == 3 && Currency.All(char.IsAsciiLetterUpper)))
        {
            errors["currency"] = ["must be three upper-case letters, e.g. EUR"];
        }

        if (CustomerPrefix is not null && !CustomerIds.IsValidPrefix(CustomerPrefix, CustomerIds.MaxLength))
        {
            errors["customerPrefix"] = ["must be 1-128 characters of a customer id (A-Z a-z 0-9 - . _ ~ : @ ! $ & ' ( ) * + , ; =), not starting with '$'"];
        }

        if (AsOf is { } asOf && (asOf > today || asOf < ClvFitRequest.EarliestDay))
        {
            errors["asOf"] = ["must be a day from 1970-01-01 to today: cohorts are counted as of the end of a day already over"];
        }

        if (HorizonPeriods is < 1 or > MaxHorizonPeriods)
        {
            errors["horizonPeriods"] = [$"must be between 1 and {MaxHorizonPeriods}"];
        }

        if (DiscountRatePerPeriod is not (null or (> 0 and < 1)))
        {
            errors["discountRatePerPeriod"] = ["must be more than 0 and below 1"];
        }

        return errors;
    }
}

public static class GetSubscriptionRetention
{
    public const string Route = "/api/analytics/subscriptions/retention";

    [WolverineGet(Route, Name = "GetSubscriptionRetention"), Authorize(Policy = Scopes.Read), Tags("Analytics")]
    [EndpointSummary("Retention curves and expected lifetime value of subscription cohorts (sBG), from the subscription_* events")]
    [ProducesResponseType<SubscriptionRetentionReport>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(
        NpgsqlDataSource dataSource, IOptions<ClvDefaults> defaults, TimeProvider clock, CancellationToken ct,
        string? interval = null, string? plan = null, string? currency = null, string? customerPrefix = null, DateOnly? asOf = null,
        int? horizonPeriods = null, double? discountRatePerPeriod = null)
    {
        var today = DateOnly.FromDateTime(clock.Now().UtcDateTime);
        var query = new SubscriptionRetentionQuery(interval, plan, currency, customerPrefix, asOf, horizonPeriods, discountRatePerPeriod);
        if (query.Validate(today) is { Count: > 0 } errors)
        {
            return TypedResults.ValidationProblem(errors, title: "The retention query is invalid");
        }

        var billing = interval is null ? BillingInterval.Month : ParsedInterval(interval);
        var day = asOf ?? today;
        var cutoff = new DateTimeOffset(day.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero);
        var histories = new List<SubscriptionHistory>();
        await foreach (var history in ReadAsync(dataSource, customerPrefix, cutoff, ct))
        {
            if (plan is null || history.Plan == plan)
            {
                histories.Add(history);
            }
        }

        return TypedResults.Ok(Report(histories, billing, plan, currency ?? defaults.Value.Currency, customerPrefix, day, horizonPeriods ?? 12, discountRatePerPeriod ?? 0.01));
    }

    /// <summary>The whole report from the subscriptions known at the end of <paramref name="asOf"/>. Pure.</summary>
    public static SubscriptionRetentionReport Report(
        IReadOnlyList<SubscriptionHistory> histories, BillingInterval interval, string? plan, string currency, string? customerPrefix, DateOnly asOf,
        int horizon, double discountRate)
    {
        ArgumentNullException.ThrowIfNull(histories);
        var cutoff = new DateTimeOffset(asOf.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero);
        var cohorts = SubscriptionCohorts.Build(histories, interval, currency, cutoff);
        return new SubscriptionRetentionReport(
            asOf, SnakeCase(interval), plan, currency, customerPrefix, horizon, discountRate,
            cohorts.Sum(c => c.Subscribers), histories.Count(h => h.Interval != interval),
            SubscriptionRetentionModel.Pooled(cohorts, horizon, discountRate),
            [.. cohorts.Select(c => SubscriptionRetentionModel.Cohort(c, horizon, discountRate))]);
    }

    private static BillingInterval ParsedInterval(string text) =>
        SnapshotChoice.TryParseName<BillingInterval>(text, out var parsed) ? parsed : throw new ArgumentOutOfRangeException(nameof(text), text, "Validated before.");

    private static string SnakeCase(BillingInterval interval) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(interval.ToString());

    /// <summary>
    /// Every subscription with a subscription_started before <paramref name="until"/>, with its renewals and whether it
    /// was cancelled by then, straight from mt_events (as the CLV fit reads payments): one row per subscription.
    /// </summary>
    private static async IAsyncEnumerable<SubscriptionHistory> ReadAsync(
        NpgsqlDataSource dataSource, string? customerPrefix, DateTimeOffset until, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             select stream_id, data->>'subscriptionId',
               min((data->>'occurredAt')::timestamptz) filter (where type = 'subscription_started'),
               max(data->>'plan') filter (where type = 'subscription_started'),
               max(data->>'interval') filter (where type = 'subscription_started'),
               max((data->>'amount')::numeric) filter (where type = 'subscription_started'),
               max(data->>'currency') filter (where type = 'subscription_started'),
               count(*) filter (where type = 'subscription_renewed'),
               bool_or(type = 'subscription_cancelled')
             from {StoreSetup.Schema}.mt_events
             where type in ('subscription_started', 'subscription_renewed', 'subscription_cancelled') and not is_archived
               and ($1::varchar is null or stream_id like $1)
               and (data->>'occurredAt')::timestamptz < $2
             group by stream_id, data->>'subscriptionId'
             having bool_or(type = 'subscription_started')
             """);
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = customerPrefix is { } prefix ? EscapeLike(prefix) + "%" : null });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = until });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            BillingInterval? interval = !reader.IsDBNull(4) && Enum.TryParse<BillingInterval>(reader.GetString(4), ignoreCase: true, out var parsed) ? parsed : null;
            yield return new SubscriptionHistory(
                reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), interval,
                reader.IsDBNull(5) ? null : reader.GetDecimal(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                (int)reader.GetInt64(7), reader.GetBoolean(8));
        }
    }

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
