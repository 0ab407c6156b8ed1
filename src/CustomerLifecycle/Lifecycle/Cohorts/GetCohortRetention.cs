using System.Text.RegularExpressions;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Cohorts;

/// <summary>
/// A cohort's Offset-th month: how many of its customers bought in it, as a share of the cohort, and the cohort's
/// revenue in it net of refunds, per currency. <paramref name="Partial"/> marks the month still under way (the
/// current one): its retention only counts the days so far, so it reads low next to complete months.
/// </summary>
public sealed record RetentionMonth(int Offset, string Month, long ActiveCustomers, decimal? RetentionPercent, IReadOnlyList<Money> Revenue, bool Partial);

/// <param name="Partial">The cohort's month is still under way, so it is still acquiring customers.</param>
public sealed record CohortRetention(string Cohort, long Customers, IReadOnlyList<RetentionMonth> Months, bool Partial);

public sealed record RetentionReport(string From, string To, int MaxOffset, string? Currency, string? Channel, IReadOnlyList<CohortRetention> Cohorts);

/// <summary>
/// Acquisition cohorts (customers by the month of their first purchase) and how many of them bought again in each
/// later month, from the mirrored monthly activity.
/// </summary>
public static partial class GetCohortRetention
{
    public const int MaxCohorts = 36;
    public const int MaxOffsetLimit = 60;

    [WolverineGet("/api/lifecycle/cohorts/retention", Name = "GetCohortRetention"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Monthly acquisition cohorts: size, customers buying in each later month, retention and net revenue per currency")]
    [ProducesResponseType<RetentionReport>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(
        NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken ct,
        string? from = null, string? to = null, int maxOffset = 12, string? currency = null, string? channel = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (!JourneyAnalytics.TryParseMonth(from, out var first))
        {
            errors["from"] = [$"{(from is null ? "is required" : "must be")}: the first cohort, a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-01"];
        }

        if (!JourneyAnalytics.TryParseMonth(to, out var last))
        {
            errors["to"] = [$"{(to is null ? "is required" : "must be")}: the last cohort (inclusive), a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-06"];
        }
        else if (!errors.ContainsKey("from") && last < first)
        {
            errors["to"] = ["must not be before from"];
        }
        else if (!errors.ContainsKey("from") && JourneyAnalytics.MonthsBetween(first, last) >= MaxCohorts)
        {
            errors["to"] = [$"must be within {MaxCohorts} cohorts (months) of from"];
        }

        if (maxOffset is < 0 or > MaxOffsetLimit)
        {
            errors["maxOffset"] = [$"must be between 0 and {MaxOffsetLimit}"];
        }

        if (currency is not null && !CurrencyCode().IsMatch(currency))
        {
            errors["currency"] = ["must be a three-letter currency code, e.g. EUR"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        // Journeys store currencies upper-cased.
        currency = currency?.ToUpperInvariant();
        var now = clock.GetUtcNow();
        var thisMonth = new DateOnly(now.Year, now.Month, 1);
        var lastMonth = last.AddMonths(maxOffset) < thisMonth ? last.AddMonths(maxOffset) : thisMonth;

        // From the cohort counts the journey trigger keeps (JourneyTables.CohortActivity and CohortSizes): a few hundred
        // rows, where counting distinct buyers over every customer-month took 6 s at 1M customers.
        var schema = StoreSetup.Schema;
        var breakdown = "breakdown = $3 and channel = $6 and cohort >= $1 and cohort <= $2";
        var inRange = $"{breakdown} and month >= cohort and month <= $4";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // Cohort sizes count journeys: a customer whose purchases carry no amount still belongs to a cohort.
                Command($"select cohort, customers from {schema}.{JourneyTables.CohortSizes} where {breakdown} and customers <> 0"),
                Command($"select cohort, month, buyers from {schema}.{JourneyTables.CohortActivity} where {inRange} and currency = '' and buyers <> 0"),
                Command($"select cohort, month, currency, revenue from {schema}.{JourneyTables.CohortActivity} where {inRange} and currency <> '' and entries <> 0 and ($5::varchar is null or currency = $5) order by currency"),
            },
        };

        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var active = new Dictionary<(string Cohort, string Month), long>();
        var revenue = new Dictionary<(string Cohort, string Month), List<Money>>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                sizes[reader.GetString(0)] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                active[(reader.GetString(0), reader.GetString(1))] = reader.GetInt64(2);
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetString(0), reader.GetString(1));
                if (!revenue.TryGetValue(key, out var amounts))
                {
                    revenue[key] = amounts = [];
                }

                amounts.Add(new Money(reader.GetString(2), reader.GetDecimal(3)));
            }
        }

        var cohorts = new List<CohortRetention>();
        for (var month = first; month <= last; month = month.AddMonths(1))
        {
            var cohort = JourneyAnalytics.FormatMonth(month);
            var size = sizes.GetValueOrDefault(cohort);
            var offsets = Math.Min(maxOffset, JourneyAnalytics.MonthsBetween(month, thisMonth));
            var months = Enumerable.Range(0, Math.Max(offsets + 1, 0)).Select(offset =>
            {
                var key = (cohort, JourneyAnalytics.FormatMonth(month.AddMonths(offset)));
                var buyers = active.GetValueOrDefault(key);
                IReadOnlyList<Money> amounts = revenue.GetValueOrDefault(key) ?? (currency is null ? [] : [new Money(currency, 0m)]);
                return new RetentionMonth(offset, key.Item2, buyers, JourneyAnalytics.Percent(buyers, size), amounts, month.AddMonths(offset) == thisMonth);
            });
            cohorts.Add(new CohortRetention(cohort, size, [.. months], month == thisMonth));
        }

        return Results.Ok(new RetentionReport(JourneyAnalytics.FormatMonth(first), JourneyAnalytics.FormatMonth(last), maxOffset, currency, channel, cohorts));

        NpgsqlBatchCommand Command(string sql) => new(sql)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(first) },
                new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(last) },
                new NpgsqlParameter<short> { TypedValue = JourneyTables.Breakdown(channel, cohort: null) },
                new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(lastMonth) },
                new NpgsqlParameter<string?> { TypedValue = currency },
                new NpgsqlParameter<string> { TypedValue = channel ?? "" },
            },
        };
    }

    [GeneratedRegex("^[A-Za-z]{3}$")]
    private static partial Regex CurrencyCode();
}
