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
/// revenue in it net of refunds, per currency.
/// </summary>
public sealed record RetentionMonth(int Offset, string Month, long ActiveCustomers, decimal? RetentionPercent, IReadOnlyList<Money> Revenue);

public sealed record CohortRetention(string Cohort, long Customers, IReadOnlyList<RetentionMonth> Months);

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
            errors["from"] = [$"{(from is null ? "is required" : "must be")}: the first cohort, a month written yyyy-MM, e.g. 2026-01"];
        }

        if (!JourneyAnalytics.TryParseMonth(to, out var last))
        {
            errors["to"] = [$"{(to is null ? "is required" : "must be")}: the last cohort (inclusive), a month written yyyy-MM, e.g. 2026-06"];
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

        var schema = StoreSetup.Schema;
        var journeys = $"{schema}.{JourneyTables.DocumentTable}";
        // The channel lives on the journey; its indexes on channel and cohort find the few customers to keep.
        var inChannel = $"($3::varchar is null or m.customer_id in (select j.id from {journeys} j where j.acquisition_channel = $3 and j.cohort >= $1 and j.cohort <= $2))";
        var inRange = $"m.cohort >= $1 and m.cohort <= $2 and m.month >= m.cohort and m.month <= $4 and {inChannel}";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // Cohort sizes come from the journeys: a customer whose purchases carry no amount still belongs to a cohort.
                Command($"select cohort, count(*) from {journeys} where cohort >= $1 and cohort <= $2 and ($3::varchar is null or acquisition_channel = $3) group by cohort"),
                Command($"select m.cohort, m.month, count(distinct m.customer_id) from {schema}.{JourneyTables.Months} m where {inRange} and m.purchases > 0 group by m.cohort, m.month"),
                Command($"select m.cohort, m.month, m.currency, sum(m.revenue) from {schema}.{JourneyTables.Months} m where {inRange} and ($5::varchar is null or m.currency = $5) group by m.cohort, m.month, m.currency order by m.currency"),
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
                return new RetentionMonth(offset, key.Item2, buyers, JourneyAnalytics.Percent(buyers, size), amounts);
            });
            cohorts.Add(new CohortRetention(cohort, size, [.. months]));
        }

        return Results.Ok(new RetentionReport(JourneyAnalytics.FormatMonth(first), JourneyAnalytics.FormatMonth(last), maxOffset, currency, channel, cohorts));

        NpgsqlBatchCommand Command(string sql) => new(sql)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(first) },
                new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(last) },
                new NpgsqlParameter<string?> { TypedValue = channel },
                new NpgsqlParameter<string> { TypedValue = JourneyAnalytics.FormatMonth(lastMonth) },
                new NpgsqlParameter<string?> { TypedValue = currency },
            },
        };
    }

    [GeneratedRegex("^[A-Za-z]{3}$")]
    private static partial Regex CurrencyCode();
}
