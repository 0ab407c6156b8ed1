using CustomerLifecycle.Infrastructure.Store;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerLifecycle.Lifecycle.Journeys;

public sealed class LifecycleOptions
{
    public const string Section = "Lifecycle";

    /// <summary>How often the sweep looks for due deadlines; zero turns the background sweep off (tests drive it).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The sweep advances journals to now minus this margin, so that a touchpoint already received but still in a
    /// committing transaction is folded in before the clock passes it (the journal's knowledge order).
    /// </summary>
    public TimeSpan SettleMargin { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most customers whose deadline events one sweep transaction appends.</summary>
    public int MaxCustomersPerTick { get; set; } = 1_000;

    /// <summary>Every problem with these settings, each naming the setting (checked at start).</summary>
    public IEnumerable<string> Problems()
    {
        if (SweepInterval < TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(SweepInterval)} must not be negative (got {SweepInterval})";
        }

        if (SettleMargin < TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(SettleMargin)} must not be negative (got {SettleMargin})";
        }

        if (MaxCustomersPerTick < 1)
        {
            yield return $"{Section}:{nameof(MaxCustomersPerTick)} must be at least 1 (got {MaxCustomersPerTick})";
        }
    }
}

/// <summary>
/// Makes time-based transitions (inactive → at risk → churned, overdue, open complaints) happen without any new
/// touchpoint: every interval it finds the journeys whose next deadline has passed and appends a
/// <see cref="LifecycleDeadlineReached"/> to each of those customers' streams; the projection then advances their
/// journals. Deadlines are learned
/// at their due time, not at the sweep's, so a slow or missed sweep changes when a view shows a transition, never
/// the transition itself.
/// </summary>
public sealed partial class LifecycleSweep(
    IDocumentStore store, NpgsqlDataSource dataSource, TimeProvider clock, IOptions<LifecycleOptions> options, JourneyShards shards, ILogger<LifecycleSweep> logger)
    : BackgroundService
{
    private readonly LifecycleOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.SweepInterval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.SweepInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(await SafeAsOfAsync(clock.Now() - settings.SettleMargin, stoppingToken), stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The store is away (whatever shape the failure takes on the way up) or another node ticked at the same
                // moment: the next round catches up. A failure escaping the loop would end the sweep for good.
                LogSweepFailed(logger, ex.Message);
            }
        }
    }

    /// <summary>
    /// The clock must never pass a touchpoint the projection has not folded in yet (the journal's knowledge order):
    /// when the projection lags, tick only to just before the receive time of the first event it has not processed.
    /// </summary>
    public async Task<DateTimeOffset> SafeAsOfAsync(DateTimeOffset wanted, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             select min(e.timestamp) from {StoreSetup.Schema}.mt_events e
             where e.seq_id > (select coalesce(min(coalesce(p.last_seq_id, 0)), 0)
                               from unnest($1::varchar[]) as s(name) left join {StoreSetup.Schema}.mt_event_progression p on p.name = s.name)
             """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. shards.ProgressNames] });
        return await command.ExecuteScalarAsync(ct) is DateTimeOffset firstUnprocessed && firstUnprocessed <= wanted
            ? firstUnprocessed.AddTicks(-10)
            : wanted;
    }

    /// <summary>Moves the clock to <paramref name="asOf"/> for every journey due by then. Returns how many were due.</summary>
    public async Task<int> SweepAsync(DateTimeOffset asOf, CancellationToken ct)
    {
        var total = 0;
        var after = "";
        while (true)
        {
            var due = await DueAsync(asOf, after, ct);
            if (due.Count == 0)
            {
                return total;
            }

            await using var session = store.LightweightSession();
            foreach (var customer in due)
            {
                session.Events.Append(customer, new LifecycleDeadlineReached(customer, asOf));
            }

            await session.SaveChangesAsync(ct);
            total += due.Count;
            after = due[^1];
            if (due.Count < settings.MaxCustomersPerTick)
            {
                return total;
            }
        }
    }

    private async Task<List<string>> DueAsync(DateTimeOffset asOf, string after, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             select id from {StoreSetup.Schema}.{JourneyTables.DocumentTable}
             where next_due_at <= $1 and id > $2 order by id limit $3
             """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = asOf });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = settings.MaxCustomersPerTick });
        var due = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            due.Add(reader.GetString(0));
        }

        return due;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lifecycle sweep failed; retrying next round: {Reason}")]
    private static partial void LogSweepFailed(ILogger logger, string reason);
}
