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
/// How many customers stand in each stage: now (from the journeys), or at any past business time (from the mirrored
/// stage timelines: the spell that had begun by then and not yet ended).
/// </summary>
public static class GetStageDistribution
{
    [WolverineGet("/api/lifecycle/stages", Name = "GetStageDistribution"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Customers per lifecycle stage, now or at a past date, by channel or cohort")]
    [ProducesResponseType<StageDistribution>(200)]
    public static async Task<IResult> Get(NpgsqlDataSource dataSource, CancellationToken ct, DateTimeOffset? asOf = null, string? channel = null, string? cohort = null)
    {
        var schema = StoreSetup.Schema;
        var sql = asOf is null
            ? $"""
               select stage, count(*) from {schema}.{JourneyTables.DocumentTable}
               where stage is not null and ($2::varchar is null or acquisition_channel = $2) and ($3::varchar is null or cohort = $3)
               group by stage
               """
            : $"""
               select stage, count(*) from {schema}.{JourneyTables.Spells}
               where entered_at <= $1 and (left_at is null or left_at > $1)
                 and ($2::varchar is null or channel = $2) and ($3::varchar is null or cohort = $3)
               group by stage
               """;
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = asOf });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cohort });
        var counts = new Dictionary<LifecycleStage, long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            counts[Enum.Parse<LifecycleStage>(reader.GetString(0))] = reader.GetInt64(1);
        }

        var stages = Enum.GetValues<LifecycleStage>().Select(s => new StageCount(s, counts.GetValueOrDefault(s))).ToList();
        return Results.Ok(new StageDistribution(asOf, channel, cohort, stages.Sum(s => s.Customers), stages));
    }
}
