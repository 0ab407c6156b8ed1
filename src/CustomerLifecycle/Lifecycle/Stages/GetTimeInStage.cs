using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Stages;

/// <summary>Mean, median and 90th percentile of a duration per customer, in days with one decimal.</summary>
public sealed record DaysSummary(decimal Mean, decimal Median, decimal P90);

/// <summary>
/// One stage: how many customers have had a spell in it (and how many spells, and how many are in it now), how long
/// each one's latest spell in it lasted, and how long they spent in it over all their spells.
/// </summary>
public sealed record StageTimeSummary(LifecycleStage Stage, long Customers, long Spells, long InStageNow, DaysSummary? LatestSpellDays, DaysSummary? TotalDays);

public sealed record TimeInStageReport(DateTimeOffset MeasuredAt, string? Channel, string? Cohort, IReadOnlyList<StageTimeSummary> Stages);

/// <summary>
/// How long customers stay in each stage, read from the histograms the projection keeps with the spells
/// (<see cref="PopulationCounts.StageTime"/>): a few thousand rows whatever the population, so every answer is
/// measured at the request (measuredAt). Means are exact; percentiles are within 1 % (2 % buckets, each read at the
/// mean of its lengths, interpolated between ranks as percentile_cont does). A spell still open is measured up to the
/// request; the lifecycle schedule ends it when a time-based rule falls due.
/// </summary>
public static class GetTimeInStage
{
    [WolverineGet("/api/lifecycle/time-in-stage", Name = "GetTimeInStage"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Time customers spend in each stage: latest spell and total per customer, by channel or cohort")]
    [ProducesResponseType<TimeInStageReport>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken ct, string? channel = null, string? cohort = null)
    {
        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"] });
        }

        return TypedResults.Ok(await MeasureAsync(dataSource, clock.GetUtcNow(), channel, cohort, ct));
    }

    public static async Task<TimeInStageReport> MeasureAsync(NpgsqlDataSource dataSource, DateTimeOffset now, string? channel, string? cohort, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            $"""
             select stage, measure, open, customers, spells, micros from {StoreSetup.Schema}.{PopulationCounts.StageTime}
             where breakdown = $1 and channel = $2 and cohort = $3 and customers <> 0
             """);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = JourneyTables.Breakdown(channel, cohort) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cohort ?? "" });

        var nowMicros = (decimal)(now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
        var stages = new Dictionary<(string Stage, short Measure), Measured>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var key = (reader.GetString(0), reader.GetInt16(1));
                if (!stages.TryGetValue(key, out var measured))
                {
                    measured = stages[key] = new Measured();
                }

                measured.Add(reader.GetBoolean(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetDecimal(5), nowMicros);
            }
        }

        return new TimeInStageReport(now, channel, cohort, [.. Enum.GetValues<LifecycleStage>().Select(stage =>
        {
            var latest = stages.GetValueOrDefault((stage.ToString(), PopulationCounts.LatestSpell));
            var total = stages.GetValueOrDefault((stage.ToString(), PopulationCounts.TotalTime));
            return total is null
                ? new StageTimeSummary(stage, 0, 0, 0, null, null)
                : new StageTimeSummary(stage, total.Customers, total.Spells, total.Open, latest?.Summary(), total.Summary());
        })]);
    }

    /// <summary>One stage and measure: customers, spells, and the lengths as (seconds, customers) per bucket; open ones measured to now.</summary>
    private sealed class Measured
    {
        private readonly List<(double Value, long Count)> lengths = [];
        private decimal micros;

        public long Customers { get; private set; }

        public long Spells { get; private set; }

        public long Open { get; private set; }

        public void Add(bool open, long customers, long spells, decimal sum, decimal nowMicros)
        {
            Customers += customers;
            Spells += spells;
            // An open row sums the instants its customers count from: each has been in the stage since then, until now.
            var length = open ? Math.Max(0, (customers * nowMicros) - sum) : sum;
            if (open)
            {
                Open += customers;
            }

            micros += length;
            lengths.Add(((double)(length / customers) / 1e6, customers));
        }

        public DaysSummary? Summary()
        {
            if (Customers <= 0)
            {
                return null;
            }

            lengths.Sort((a, b) => a.Value.CompareTo(b.Value));
            return new DaysSummary(
                JourneyAnalytics.Days((double)(micros / Customers) / 1e6)!.Value,
                JourneyAnalytics.Days(PopulationCounts.Percentile(lengths, 0.5))!.Value,
                JourneyAnalytics.Days(PopulationCounts.Percentile(lengths, 0.9))!.Value);
        }
    }
}
