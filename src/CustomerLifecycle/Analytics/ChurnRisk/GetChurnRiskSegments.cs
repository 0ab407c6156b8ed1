using System.Data.Common;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.ChurnRisk;

/// <param name="TotalClv">Null when the snapshot has no spend model (no CLV at all).</param>
/// <param name="CustomersWithoutClv">Customers left out of <paramref name="TotalClv"/> and <paramref name="TotalValueAtRisk"/>: no CLV is defined for them.</param>
public sealed record RiskAggregate(
    long Customers, double AverageChurnRisk, double AverageProbabilityAlive, double? TotalClv, double? TotalValueAtRisk, long CustomersWithoutClv, decimal NetRevenue);

public sealed record SegmentRisk(RfmSegment Segment, RiskAggregate Risk);

/// <param name="Cohort">The month of the first purchase (yyyy-MM) as the journey has it; null for customers the journeys do not know yet.</param>
public sealed record CohortRisk(string? Cohort, RiskAggregate Risk);

public sealed record ChurnRiskSegments(
    Guid SnapshotId, FitStatus SnapshotStatus, IReadOnlyList<FitProblem> SnapshotProblems, DateTimeOffset? FittedAt, DateOnly CalibrationEnd, string Currency, IReadOnlyList<SegmentRisk> Segments, IReadOnlyList<CohortRisk> Cohorts);

/// <summary>Where the risk sits: a snapshot's customers aggregated per RFM segment and per acquisition cohort.</summary>
public static class GetChurnRiskSegments
{
    private const string Measures =
        "count(*), avg(r.churn_risk), avg(r.p_alive), sum(r.clv), sum(r.value_at_risk), count(*) - count(r.clv), sum(r.net_revenue)";

    [WolverineGet(GetChurnRisk.Route + "/segments", Name = "GetChurnRiskSegments"), Authorize(Policy = Scopes.Read), Tags("Analytics")]
    [EndpointSummary("Churn risk and value at risk per RFM segment and per cohort")]
    [ProducesResponseType<ChurnRiskSegments>(200)]
    [ProducesResponseType<ProblemDetails>(404, "application/problem+json"), ProducesResponseType<ProblemDetails>(409, "application/problem+json")]
    public static async Task<IResult> Get(IQuerySession session, NpgsqlDataSource dataSource, CancellationToken ct, Guid? snapshotId = null)
    {
        var (snapshot, problem) = await SnapshotChoice.ResolveAsync(session, snapshotId, ct);
        if (snapshot is null)
        {
            return problem!;
        }

        var schema = StoreSetup.Schema;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command($"select r.segment, {Measures} from {schema}.{ClvResults.Table} r where r.snapshot_id = $1 group by r.segment"));
        batch.BatchCommands.Add(Command(
            $"""
             select j.cohort, {Measures} from {schema}.{ClvResults.Table} r
             left join {schema}.{JourneyTables.DocumentTable} j on j.id = r.customer_id
             where r.snapshot_id = $1 group by j.cohort order by j.cohort nulls last
             """));
        var segments = new List<SegmentRisk>();
        var cohorts = new List<CohortRisk>();
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                segments.Add(new SegmentRisk(Enum.Parse<RfmSegment>(reader.GetString(0)), Aggregate(reader)));
            }

            await reader.NextResultAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                cohorts.Add(new CohortRisk(reader.IsDBNull(0) ? null : reader.GetString(0), Aggregate(reader)));
            }
        }

        return Results.Ok(new ChurnRiskSegments(
            snapshot.Id, snapshot.Status, snapshot.Problems, snapshot.CompletedAt, snapshot.Settings.CalibrationEnd, snapshot.Settings.Currency,
            [.. segments.OrderByDescending(s => s.Risk.TotalValueAtRisk ?? 0).ThenBy(s => s.Segment)], cohorts));

        NpgsqlBatchCommand Command(string sql) => new(sql) { Parameters = { new NpgsqlParameter<Guid> { TypedValue = snapshot.Id } } };
    }

    private static RiskAggregate Aggregate(DbDataReader reader) => new(
        reader.GetInt64(1),
        reader.GetDouble(2),
        reader.GetDouble(3),
        reader.IsDBNull(4) ? null : reader.GetDouble(4),
        reader.IsDBNull(5) ? null : reader.GetDouble(5),
        reader.GetInt64(6),
        reader.GetDecimal(7));
}
