using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Stages;

public sealed record CustomerInStage(string CustomerId, DateTimeOffset? StageSince, DateTimeOffset? LastActivityAt, string? Channel, string? Cohort, int Purchases);

public sealed record CustomersInStagePage(LifecycleStage Stage, long Total, int Offset, int Limit, IReadOnlyList<CustomerInStage> Customers);

/// <summary>Who is in a stage now, sortable and filterable by acquisition channel and cohort, paged by offset.</summary>
public static class GetCustomersInStage
{
    public const int MaxLimit = 500;
    public const int MaxOffset = 100_000;

    private static readonly Dictionary<string, string> SortColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["stageSince"] = "stage_since",
        ["lastActivity"] = "last_activity_at",
        ["customerId"] = "id",
    };

    [WolverineGet("/api/lifecycle/stages/{stage}/customers", Name = "GetCustomersInStage"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Customers currently in a stage")]
    [ProducesResponseType<CustomersInStagePage>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(
        string stage, NpgsqlDataSource dataSource, CancellationToken ct,
        string? channel = null, string? cohort = null, string sort = "stageSince", string order = "desc", int offset = 0, int limit = 50)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Enum.TryParse<LifecycleStage>(stage.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) || int.TryParse(stage, out _))
        {
            errors["stage"] = [$"must be one of {ApiVocabulary.StageNames}"];
        }

        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            errors["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"];
        }

        if (!SortColumns.TryGetValue(sort, out var column))
        {
            errors["sort"] = [$"must be one of {string.Join(", ", SortColumns.Keys)}"];
        }

        if (order is not ("asc" or "desc"))
        {
            errors["order"] = ["must be asc or desc"];
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"must be between 1 and {MaxLimit}"];
        }

        if (offset is < 0 or > MaxOffset)
        {
            errors["offset"] = [$"must be between 0 and {MaxOffset}; narrow the filters to go further"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        // The total comes from the stage flows, not from counting the stage's journeys (a few hundred thousand at 1M
        // customers). Column and direction come from the allow-lists above, never from the request text; the id breaks
        // ties in the same direction, so the page walks one of the (stage, column, id) indexes
        // (JourneyTables.StorageSql) instead of sorting every journey in the stage. The page is chosen from the
        // journeys' columns alone and only its own rows open their documents for the purchase count: read in the
        // same select, every skipped row's document was decompressed too (5.5 against 1.7 ms at offset 600).
        var total = (await GetStageDistribution.CountAsync(dataSource, asOf: null, channel, cohort, ct)).GetValueOrDefault(parsed);
        var journeys = $"{StoreSetup.Schema}.{JourneyTables.DocumentTable}";
        await using var command = dataSource.CreateCommand(
            $"""
             select p.id, p.stage_since, p.last_activity_at, p.acquisition_channel, p.cohort, (j.data->'state'->'counters'->>'purchases')::int
             from (
               select id, stage_since, last_activity_at, acquisition_channel, cohort from {journeys}
               where stage = $1 and ($2::varchar is null or acquisition_channel = $2) and ($3::varchar is null or cohort = $3)
               order by {column} {order}, id {order} limit $4 offset $5
             ) p
             join {journeys} j on j.id = p.id
             order by p.{column} {order}, p.id {order}
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parsed.ToString() });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cohort });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var customers = new List<CustomerInStage>(limit);
        while (await reader.ReadAsync(ct))
        {
            customers.Add(new CustomerInStage(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? 0 : reader.GetInt32(5)));
        }

        return Results.Ok(new CustomersInStagePage(parsed, total, offset, limit, customers));
    }
}
