using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Stages;

public sealed record StageCount(LifecycleStage Stage, long Customers);

public sealed record StageDistribution(DateTimeOffset? AsOf, string? Channel, string? Cohort, long Customers, IReadOnlyList<StageCount> Stages);

/// <summary>
/// How many customers stand in each stage, now or at any past business time: the spells that had begun by then and
/// not yet ended. Counted from the per-day flows (<see cref="JourneyTables.Flows"/>): whole days before the instant
/// from there, its own day from the spells that began or ended on it, so the cost does not grow with the customers.
/// </summary>
public static class GetStageDistribution
{
    [WolverineGet("/api/lifecycle/stages", Name = "GetStageDistribution"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Customers per lifecycle stage, now or at a past date, by channel or cohort")]
    [ProducesResponseType<StageDistribution>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(NpgsqlDataSource dataSource, CancellationToken ct, DateTimeOffset? asOf = null, string? channel = null, string? cohort = null)
    {
        var errors = new Dictionary<string, string[]>();
        if (asOf is { } at && !JourneyAnalytics.IsQueryable(at))
        {
            errors["asOf"] = [$"must be {JourneyAnalytics.QueryableRange}"];
        }

        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            errors["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var counts = await CountAsync(dataSource, asOf, channel, cohort, ct);
        var stages = Enum.GetValues<LifecycleStage>().Select(s => new StageCount(s, counts.GetValueOrDefault(s))).ToList();
        return Results.Ok(new StageDistribution(asOf, channel, cohort, stages.Sum(s => s.Customers), stages));
    }

    /// <summary>Customers per stage at <paramref name="asOf"/> (null: now, which includes spells dated ahead of the clock).</summary>
    public static async Task<Dictionary<LifecycleStage, long>> CountAsync(
        NpgsqlDataSource dataSource, DateTimeOffset? asOf, string? channel, string? cohort, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var schema = StoreSetup.Schema;
        // Now is the sum over every day; an instant adds what its own day did up to it: spells begun minus spells ended.
        var sql = asOf is null
            ? $"""
               select stage, sum(entered - exited)::bigint from {schema}.{JourneyTables.Flows}
               where breakdown = $2 and channel = $3 and cohort = $4
               group by stage
               """
            : $"""
               select stage, sum(n)::bigint from (
                 select stage, sum(entered - exited) as n from {schema}.{JourneyTables.Flows}
                 where breakdown = $2 and channel = $3 and cohort = $4 and day < ($1 at time zone 'UTC')::date
                 group by stage
                 union all
                 select stage, count(*) from {schema}.{JourneyTables.Spells}
                 where entered_at >= ($1 at time zone 'UTC')::date::timestamp at time zone 'UTC' and entered_at <= $1
                   and ($5::varchar is null or channel = $5) and ($6::varchar is null or cohort = $6)
                 group by stage
                 union all
                 select stage, -count(*) from {schema}.{JourneyTables.Spells}
                 where left_at >= ($1 at time zone 'UTC')::date::timestamp at time zone 'UTC' and left_at <= $1
                   and ($5::varchar is null or channel = $5) and ($6::varchar is null or cohort = $6)
                 group by stage
               ) counted
               group by stage
               """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = asOf });
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = JourneyTables.Breakdown(channel, cohort) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cohort ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cohort });
        var counts = new Dictionary<LifecycleStage, long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.GetInt64(1) is not 0 and var customers)
            {
                counts[Enum.Parse<LifecycleStage>(reader.GetString(0))] = customers;
            }
        }

        return counts;
    }
}
