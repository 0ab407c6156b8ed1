using System.Globalization;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Stages;

/// <summary>On one UTC day, how many customers entered and how many left one stage.</summary>
public sealed record StageFlow(DateOnly Day, LifecycleStage Stage, long Entered, long Left);

/// <summary>Entered and left over the whole range, for one stage.</summary>
public sealed record StageFlowTotal(LifecycleStage Stage, long Entered, long Left);

public sealed record StageFlows(DateOnly From, DateOnly To, string? Channel, string? Cohort, IReadOnlyList<StageFlowTotal> Totals, IReadOnlyList<StageFlow> Days);

/// <summary>
/// Daily transitions into and out of each stage: the spells that began and ended on each UTC day, read from the per-day
/// counts the projection keeps (<see cref="JourneyTables.Flows"/>), so the cost follows the days asked for, not the customers.
/// </summary>
public static class GetStageFlows
{
    public const int MaxDays = 400;

    [WolverineGet("/api/lifecycle/stages/flows", Name = "GetStageFlows"), Authorize(Policy = Scopes.Read), Tags("Lifecycle")]
    [EndpointSummary("Customers entering and leaving each lifecycle stage per day, by channel or cohort")]
    [ProducesResponseType<StageFlows>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Get(
        NpgsqlDataSource dataSource, CancellationToken ct, string? from = null, string? to = null, string? channel = null, string? cohort = null)
    {
        var errors = new Dictionary<string, string[]>();
        var first = Day(from, "from", "the first day", errors);
        var last = Day(to, "to", "the last day (inclusive)", errors);
        if (first is { } f && last is { } l)
        {
            if (l < f)
            {
                errors["to"] = ["must not be before from"];
            }
            else if (l.DayNumber - f.DayNumber >= MaxDays)
            {
                errors["to"] = [$"must be within {MaxDays} days of from"];
            }
        }

        if (cohort is not null && !JourneyAnalytics.TryParseMonth(cohort, out _))
        {
            errors["cohort"] = ["must be a month written yyyy-MM between 1970-01 and 2999-12, e.g. 2026-03"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        return Results.Ok(await ReadAsync(dataSource, first!.Value, last!.Value, channel, cohort, ct));
    }

    public static async Task<StageFlows> ReadAsync(
        NpgsqlDataSource dataSource, DateOnly from, DateOnly to, string? channel, string? cohort, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            $"""
             select day, stage, entered, exited from {StoreSetup.Schema}.{JourneyTables.Flows}
             where breakdown = $1 and channel = $2 and cohort = $3 and day >= $4 and day <= $5 and (entered <> 0 or exited <> 0)
             order by day, stage
             """);
        command.Parameters.Add(new NpgsqlParameter<short> { TypedValue = JourneyTables.Breakdown(channel, cohort) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel ?? "" });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cohort ?? "" });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateOnly> { TypedValue = to });
        var days = new List<StageFlow>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                days.Add(new StageFlow(
                    reader.GetFieldValue<DateOnly>(0), Enum.Parse<LifecycleStage>(reader.GetString(1)), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        var totals = Enum.GetValues<LifecycleStage>()
            .Select(s => new StageFlowTotal(s, days.Where(d => d.Stage == s).Sum(d => d.Entered), days.Where(d => d.Stage == s).Sum(d => d.Left)))
            .ToList();
        return new StageFlows(from, to, channel, cohort, totals, days);
    }

    private static DateOnly? Day(string? value, string field, string meaning, Dictionary<string, string[]> errors)
    {
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)
            && JourneyAnalytics.IsQueryable(new DateTimeOffset(day, TimeOnly.MinValue, TimeSpan.Zero)))
        {
            return day;
        }

        errors[field] = [$"{(value is null ? "is required" : "must be")}: {meaning}, a date written yyyy-MM-dd {JourneyAnalytics.QueryableRange}"];
        return null;
    }
}
