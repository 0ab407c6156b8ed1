using System.Data.Common;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.CustomerValue;

/// <summary>One customer as one snapshot saw them.</summary>
/// <param name="SnapshotStatus">Completed, or degraded: then the snapshot's problems (GET /api/analytics/clv/snapshots/{id}) make these numbers doubtful.</param>
/// <param name="Stage">The lifecycle stage at the snapshot's calibration end.</param>
public sealed record CustomerValueInSnapshot(
    Guid SnapshotId, FitStatus SnapshotStatus, IReadOnlyList<string> SnapshotProblems, DateTimeOffset FittedAt, DateOnly CalibrationEnd, string Currency,
    double? Clv, double ProbabilityAlive, double ExpectedPurchases, double? ExpectedSpendPerPurchase, DateOnly? ExpectedNextPurchase,
    double ChurnRisk, double? ValueAtRisk, IReadOnlyList<ChurnReason> Reasons, RfmScores Rfm, RfmSegment Segment,
    decimal NetRevenue, decimal Margin, int Frequency, double Recency, double T, double MonetaryValue, LifecycleStage? Stage);

public sealed record RfmScores(int Recency, int Frequency, int Monetary);

/// <param name="Current">From the newest completed snapshot that includes the customer; a degraded snapshot only when no completed one does.</param>
/// <param name="History">Every completed or degraded snapshot that includes the customer, newest first (at most 100).</param>
public sealed record CustomerValueView(string CustomerId, CustomerValueInSnapshot Current, IReadOnlyList<CustomerValueInSnapshot> History);

/// <summary>A customer's value, chance of still buying and churn risk with its reasons, now and across past fits.</summary>
public static class GetCustomerValue
{
    public const int MaxHistory = 100;

    [WolverineGet("/api/customers/{customerId}/value", Name = "GetCustomerValue"), Authorize(Policy = Scopes.Read), Tags("Customers")]
    [EndpointSummary("A customer's CLV, P(alive), churn risk with reasons, and their history across CLV snapshots")]
    [ProducesResponseType<CustomerValueView>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    public static async Task<IResult> Get(string customerId, NpgsqlDataSource dataSource, CancellationToken ct)
    {
        var schema = StoreSetup.Schema;
        await using var command = dataSource.CreateCommand(
            $"""
             select r.snapshot_id, s.completed_at, (s.data->'settings'->>'calibrationEnd')::date, s.data->'settings'->>'currency',
                    r.clv, r.p_alive, r.expected_purchases, r.expected_spend, r.expected_next_purchase, r.churn_risk, r.value_at_risk,
                    r.risk_reasons::text, r.rfm_recency, r.rfm_frequency, r.rfm_monetary, r.segment, r.net_revenue, r.margin,
                    r.frequency, r.recency, r.age, r.monetary_value, s.status,
                    coalesce((select array_agg(p->>'code') from jsonb_array_elements(s.data->'problems') p), array[]::text[]), r.stage
             from {schema}.{ClvResults.Table} r join {schema}.{ClvSnapshotTable.Name} s on s.id = r.snapshot_id
             where r.customer_id = $1 and s.status in ('Completed', 'Degraded')
             order by s.completed_at desc limit $2
             """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customerId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = MaxHistory });
        var history = new List<CustomerValueInSnapshot>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                history.Add(Read(reader));
            }
        }

        return history.Count == 0
            ? Results.Problem(statusCode: 404, title: "No value known for this customer",
                detail: $"No completed CLV snapshot includes customer '{customerId}': unknown, without a purchase in a fitted window, or not fitted yet.")
            : Results.Ok(new CustomerValueView(customerId, history.FirstOrDefault(h => h.SnapshotStatus == FitStatus.Completed) ?? history[0], history));
    }

    private static CustomerValueInSnapshot Read(DbDataReader r) => new(
        r.GetGuid(0),
        Enum.Parse<FitStatus>(r.GetString(22)),
        r.GetFieldValue<string[]>(23),
        r.GetFieldValue<DateTimeOffset>(1),
        r.GetFieldValue<DateOnly>(2),
        r.GetString(3),
        r.IsDBNull(4) ? null : r.GetDouble(4),
        r.GetDouble(5),
        r.GetDouble(6),
        r.IsDBNull(7) ? null : r.GetDouble(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateOnly>(8),
        r.GetDouble(9),
        r.IsDBNull(10) ? null : r.GetDouble(10),
        ClvResults.ReadReasons(r.GetString(11)),
        new RfmScores(r.GetInt16(12), r.GetInt16(13), r.GetInt16(14)),
        Enum.Parse<RfmSegment>(r.GetString(15)),
        r.GetDecimal(16),
        r.GetDecimal(17),
        r.GetInt32(18),
        r.GetDouble(19),
        r.GetDouble(20),
        r.GetDouble(21),
        r.IsDBNull(24) ? null : Enum.Parse<LifecycleStage>(r.GetString(24)));
}
