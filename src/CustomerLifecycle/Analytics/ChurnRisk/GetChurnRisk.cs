using System.Data.Common;
using System.Globalization;
using System.Text;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.ChurnRisk;

/// <param name="ValueAtRisk">CLV × churn risk; null when the customer has no CLV (such customers are listed last by valueAtRisk).</param>
/// <param name="Stage">The lifecycle stage at the snapshot's calibration end, when the risk was assessed.</param>
/// <param name="CurrentStage">The journey's stage now; null for customers the journeys do not know yet.</param>
public sealed record ChurnRiskEntry(
    string CustomerId, double ChurnRisk, double? ValueAtRisk, double? Clv, double ProbabilityAlive, double ExpectedPurchases,
    DateOnly? ExpectedNextPurchase, RfmSegment Segment, LifecycleStage? Stage, LifecycleStage? CurrentStage, string? Cohort, string? Channel,
    IReadOnlyList<ChurnReason> Reasons);

/// <param name="SnapshotStatus">Completed, or degraded (then <paramref name="SnapshotProblems"/> says why these numbers are doubtful).</param>
/// <param name="HorizonWeeks">The churn risk is the probability of no purchase over this many weeks after the calibration end.</param>
public sealed record ChurnRiskPage(
    Guid SnapshotId, FitStatus SnapshotStatus, IReadOnlyList<FitProblem> SnapshotProblems, DateTimeOffset? FittedAt, DateOnly CalibrationEnd,
    string Currency, double? HorizonWeeks, string Sort, long Total, int Offset, int Limit, IReadOnlyList<ChurnRiskEntry> Customers);

/// <summary>
/// Who is most likely to be lost, or whose loss would cost most: a snapshot's customers ranked by churn risk or by
/// value at risk (CLV × risk, customers without one last), filtered by RFM segment, by the stage at the calibration end,
/// and by the journey's cohort and channel (a join to the journeys' duplicated columns). As JSON pages, or the whole ranking as CSV for a spreadsheet or a campaign tool.
/// </summary>
public static class GetChurnRisk
{
    public const string Route = "/api/analytics/churn-risk";
    public const int MaxLimit = 500;
    public const int MaxOffset = 100_000;
    public const string SnapshotStatusHeader = "Snapshot-Status";
    public const string SnapshotProblemsHeader = "Snapshot-Problems";

    // Only these two strings ever reach the ORDER BY; the request text never does.
    private static readonly Dictionary<string, string> SortColumns = new(StringComparer.OrdinalIgnoreCase)
    {
        ["risk"] = "r.churn_risk",
        ["valueAtRisk"] = "r.value_at_risk",
    };

    [WolverineGet(Route, Name = "GetChurnRisk"), Authorize(Policy = Scopes.Read), Tags("Analytics")]
    [EndpointSummary("Customers ranked by churn risk or value at risk, with reasons; JSON pages or CSV")]
    [ProducesResponseType<ChurnRiskPage>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(404, "application/problem+json"), ProducesResponseType<ProblemDetails>(409, "application/problem+json")]
    public static async Task<IResult> Get(
        HttpContext http, IQuerySession session, NpgsqlDataSource dataSource, CancellationToken ct,
        Guid? snapshotId = null, string sort = "risk", string? stage = null, string? segment = null, string? cohort = null, string? channel = null,
        int offset = 0, int limit = 50, string? format = null)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!SortColumns.TryGetValue(sort, out var column))
        {
            errors["sort"] = ["must be risk or valueAtRisk"];
        }

        LifecycleStage parsedStage = default;
        if (stage is not null && !SnapshotChoice.TryParseName(stage, out parsedStage))
        {
            errors["stage"] = [$"must be a lifecycle stage: {string.Join(", ", Enum.GetNames<LifecycleStage>())}"];
        }

        RfmSegment parsedSegment = default;
        if (segment is not null && !SnapshotChoice.TryParseName(segment, out parsedSegment))
        {
            errors["segment"] = [$"must be an RFM segment: {string.Join(", ", Enum.GetNames<RfmSegment>())}"];
        }

        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            errors["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"];
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"must be between 1 and {MaxLimit}"];
        }

        if (offset is < 0 or > MaxOffset)
        {
            errors["offset"] = [$"must be between 0 and {MaxOffset}; narrow the filters, or export everything with format=csv"];
        }

        if (format is not (null or "json" or "csv"))
        {
            errors["format"] = ["must be json or csv"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var (snapshot, problem) = await SnapshotChoice.ResolveAsync(session, snapshotId, ct);
        if (snapshot is null)
        {
            return problem!;
        }

        var filter = new Filter(snapshot.Id, stage is null ? null : parsedStage.ToString(), segment is null ? null : parsedSegment.ToString(), cohort, channel);
        var wantsCsv = format == "csv" || (format is null && http.Request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase));
        if (wantsCsv)
        {
            // The export is the whole ranking: paging a file makes no sense. It streams row by row from the database.
            // A file has no envelope for the snapshot's status, so headers carry it.
            http.Response.Headers[SnapshotStatusHeader] = SnapshotChoice.Name(snapshot.Status);
            if (snapshot.Problems.Count > 0)
            {
                http.Response.Headers[SnapshotProblemsHeader] = string.Join(", ", snapshot.Problems.Select(p => p.Code));
            }

            return Results.Stream(
                body => WriteCsvAsync(body, dataSource, filter, column!, http.RequestAborted),
                "text/csv; charset=utf-8",
                string.Create(CultureInfo.InvariantCulture, $"churn-risk-{snapshot.Id}.csv"));
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Unfiltered, the total is the snapshot's own count of valued customers (unless its rows were purged as too old):
        // counting a million result rows, joined to their journeys for the filters, took 1.8 s at 1M customers.
        long total;
        if (filter.IsEmpty && snapshot.Outcome is { } outcome)
        {
            await using var kept = filter.Command(connection, $"select exists (select 1 from {StoreSetup.Schema}.{ClvResults.Table} where snapshot_id = $1)");
            total = (bool)(await kept.ExecuteScalarAsync(ct))! ? outcome.Customers : 0;
        }
        else
        {
            await using var count = filter.Command(connection, $"select count(*) {From}");
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        await using var page = filter.Command(connection, $"{Select} {From} {OrderBy(column!)} limit $6 offset $7");
        page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
        var customers = new List<ChurnRiskEntry>(limit);
        await using (var reader = await page.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                customers.Add(Read(reader));
            }
        }

        return Results.Ok(new ChurnRiskPage(
            snapshot.Id, snapshot.Status, snapshot.Problems, snapshot.CompletedAt, snapshot.Settings.CalibrationEnd, snapshot.Settings.Currency,
            snapshot.Outcome?.ChurnModel?.HorizonWeeks, sort, total, offset, limit, customers));
    }

    /// <summary>
    /// Highest first; customers without a value (no CLV, so no value at risk) last, whatever the sort. Each order is
    /// the one an index of <see cref="ClvResults"/> is read in: the risk (never null) by a backward walk of
    /// (snapshot, risk), "desc" being its natural "nulls first"; the value at risk by its (snapshot, value desc nulls
    /// last) index. Another null order would sort the whole snapshot (0.8 s at a million customers).
    /// </summary>
    public static string OrderBy(string column) =>
        column == "r.churn_risk" ? "order by r.churn_risk desc, r.customer_id" : $"order by {column} desc nulls last, r.customer_id";

    private const string Select =
        "select r.customer_id, r.churn_risk, r.value_at_risk, r.clv, r.p_alive, r.expected_purchases, r.expected_next_purchase, r.segment, r.risk_reasons::text, r.stage, j.cohort, j.acquisition_channel, j.stage";

    // Journeys are joined, not required: a customer the projection has not reached yet still has a risk.
    private static readonly string From =
        $"""
         from {StoreSetup.Schema}.{ClvResults.Table} r
         left join {StoreSetup.Schema}.{JourneyTables.DocumentTable} j on j.id = r.customer_id
         where r.snapshot_id = $1 and ($2::varchar is null or r.stage = $2) and ($3::varchar is null or r.segment = $3)
           and ($4::varchar is null or j.cohort = $4) and ($5::varchar is null or j.acquisition_channel = $5)
         """;

    private sealed record Filter(Guid SnapshotId, string? Stage, string? Segment, string? Cohort, string? Channel)
    {
        public bool IsEmpty => Stage is null && Segment is null && Cohort is null && Channel is null;

        public NpgsqlCommand Command(NpgsqlConnection connection, string sql) => new(sql, connection)
        {
            Parameters =
            {
                new NpgsqlParameter<Guid> { TypedValue = SnapshotId },
                new NpgsqlParameter<string?> { TypedValue = Stage },
                new NpgsqlParameter<string?> { TypedValue = Segment },
                new NpgsqlParameter<string?> { TypedValue = Cohort },
                new NpgsqlParameter<string?> { TypedValue = Channel },
            },
        };
    }

    private static ChurnRiskEntry Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetDouble(1),
        reader.IsDBNull(2) ? null : reader.GetDouble(2),
        reader.IsDBNull(3) ? null : reader.GetDouble(3),
        reader.GetDouble(4),
        reader.GetDouble(5),
        reader.IsDBNull(6) ? null : reader.GetFieldValue<DateOnly>(6),
        Enum.Parse<RfmSegment>(reader.GetString(7)),
        reader.IsDBNull(9) ? null : Enum.Parse<LifecycleStage>(reader.GetString(9)),
        reader.IsDBNull(12) ? null : Enum.Parse<LifecycleStage>(reader.GetString(12)),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.IsDBNull(11) ? null : reader.GetString(11),
        ClvResults.ReadReasons(reader.GetString(8)));

    private static async Task WriteCsvAsync(Stream body, NpgsqlDataSource dataSource, Filter filter, string column, CancellationToken ct)
    {
        await using var writer = new StreamWriter(body, new UTF8Encoding(false));
        await writer.WriteLineAsync("customer_id,churn_risk,value_at_risk,clv,p_alive,expected_purchases,expected_next_purchase,segment,stage,current_stage,cohort,channel,reasons");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var command = filter.Command(connection, $"{Select} {From} {OrderBy(column)}");
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var e = Read(reader);
            await writer.WriteLineAsync(string.Join(',',
                Csv(e.CustomerId), Number(e.ChurnRisk), Number(e.ValueAtRisk), Number(e.Clv), Number(e.ProbabilityAlive), Number(e.ExpectedPurchases),
                e.ExpectedNextPurchase?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
                Snake(e.Segment.ToString()), e.Stage is { } s ? Snake(s.ToString()) : "", e.CurrentStage is { } c ? Snake(c.ToString()) : "", Csv(e.Cohort), Csv(e.Channel),
                Csv(string.Join(';', e.Reasons.Select(r => r.Code)))));
        }
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static string Snake(string name) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(name);

    /// <summary>RFC 4180 quoting, and a leading apostrophe for text a spreadsheet would run as a formula.</summary>
    private static string Csv(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var safe = text[0] is '=' or '+' or '-' or '@' ? "'" + text : text;
        return safe.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }
}
