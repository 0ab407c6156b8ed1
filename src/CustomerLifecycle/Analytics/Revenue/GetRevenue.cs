using System.Text.RegularExpressions;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.Revenue;

/// <param name="Partial">The month is still under way (the current one).</param>
public sealed record RevenueMonth(string Month, IReadOnlyList<Money> Revenue, bool Partial);

/// <param name="Total">Net revenue over all the months, per currency (ordered by code).</param>
public sealed record RevenueReport(string From, string To, string? Channel, string? Cohort, string? Currency, IReadOnlyList<Money> Total, IReadOnlyList<RevenueMonth> Months);

/// <summary>
/// Net revenue (purchases minus refunds) per calendar month (UTC) and per currency, by acquisition channel or cohort,
/// from the monthly counts the projection keeps per cohort (<see cref="JourneyTables.CohortActivity"/>): a few rows per
/// month, whatever the number of customers. Revenue belongs to the month of the purchase or refund.
/// </summary>
public static partial class GetRevenue
{
    public const int MaxMonths = 60;

    [WolverineGet("/api/analytics/revenue", Name = "GetRevenue"), Authorize(Policy = Scopes.Read), Tags("Analytics")]
    [EndpointSummary("Net revenue per month and currency, by acquisition channel or cohort")]
    [ProducesResponseType<RevenueReport>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(
        NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken ct,
        string? from = null, string? to = null, string? channel = null, string? cohort = null, string? currency = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (!JourneyAnalytics.TryParseMonth(from, out var first))
        {
            errors["from"] = [$"{(from is null ? "is required" : "must be")}: the first month, written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-01"];
        }

        if (!JourneyAnalytics.TryParseMonth(to, out var last))
        {
            errors["to"] = [$"{(to is null ? "is required" : "must be")}: the last month (inclusive), written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-06"];
        }
        else if (!errors.ContainsKey("from") && last < first)
        {
            errors["to"] = ["must not be before from"];
        }
        else if (!errors.ContainsKey("from") && JourneyAnalytics.MonthsBetween(first, last) >= MaxMonths)
        {
            errors["to"] = [$"must be within {MaxMonths} months of from"];
        }

        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            errors["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"];
        }

        if (currency is not null && !CurrencyCode().IsMatch(currency))
        {
            errors["currency"] = ["must be a three-letter currency code, e.g. EUR"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        return Results.Ok(await ReadAsync(dataSource, clock.GetUtcNow(), first, last, channel, cohort, currency, ct));
    }

    public static async Task<RevenueReport> ReadAsync(
        NpgsqlDataSource dataSource, DateTimeOffset now, DateOnly from, DateOnly to, string? channel, string? cohort, string? currency, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        // Journeys store currencies upper-cased; currency '' holds buyer counts, not money.
        currency = currency?.ToUpperInvariant();
        await using var command = dataSource.CreateCommand(
            $"""
             select month, currency, sum(revenue) from {StoreSetup.Schema}.{JourneyTables.CohortActivity}
             where breakdown = $1 and channel = $2 and ($3::varchar is null or cohort = $3) and month >= $4 and month <= $5
               and currency <> '' and entries <> 0 and ($6::varchar is null or currency = $6)
             group by month, currency
             order by month, currency
             """);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = JourneyTables.Breakdown(channel, cohort: null) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cohort });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(from) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(to) });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = currency });
        var amounts = new Dictionary<string, List<Money>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var month = reader.GetString(0);
                if (!amounts.TryGetValue(month, out var list))
                {
                    amounts[month] = list = [];
                }

                list.Add(new Money(reader.GetString(1), reader.GetDecimal(2)));
            }
        }

        var thisMonth = JourneyAnalytics.FormatMonth(new DateOnly(now.UtcDateTime.Year, now.UtcDateTime.Month, 1));
        var months = new List<RevenueMonth>();
        for (var month = from; month <= to; month = month.AddMonths(1))
        {
            var key = JourneyAnalytics.FormatMonth(month);
            IReadOnlyList<Money> revenue = amounts.GetValueOrDefault(key) ?? (currency is null ? [] : [new Money(currency, 0m)]);
            months.Add(new RevenueMonth(key, revenue, key == thisMonth));
        }

        var total = months.SelectMany(m => m.Revenue).GroupBy(m => m.Currency, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Money(g.Key, g.Sum(m => m.Amount)))
            .ToList();
        return new RevenueReport(JourneyAnalytics.FormatMonth(from), JourneyAnalytics.FormatMonth(to), channel, cohort, currency, total, months);
    }

    [GeneratedRegex("^[A-Za-z]{3}$")]
    private static partial Regex CurrencyCode();
}
