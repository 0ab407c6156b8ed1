using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Infrastructure.Store;
using Marten;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.Marten;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>
/// Queues a full-scope refit with the configured defaults whenever the newest one was requested more than
/// Analytics:Clv:RefitInterval ago (and none is waiting or running). It asks the store rather than counting time
/// itself, so a restart does not postpone the refit. One node of the cluster runs it (<see cref="ClvRefitScheduleAgent"/>).
/// The fit itself runs on the fit queue, reading with its own connections: ingestion is never blocked by it.
/// </summary>
public sealed partial class ClvRefitSchedule(
    IServiceScopeFactory scopes, IOptions<ClvDefaults> defaults, IOptions<ChurnSignalWeights> weights, TimeProvider clock,
    IHostApplicationLifetime lifetime, ILogger<ClvRefitSchedule> logger)
    : BackgroundService
{
    public const string RequestedBy = "schedule";
    private static readonly TimeSpan LongestCheckInterval = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = defaults.Value.RefitInterval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        // Hosted services start before Wolverine's runtime is up; publishing earlier would throw.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        using var timer = new PeriodicTimer(interval < LongestCheckInterval ? interval : LongestCheckInterval, clock);
        do
        {
            try
            {
                await QueueIfDueAsync(interval, stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // An exception escaping a BackgroundService stops the whole host; a missed refit is only late.
                LogScheduleFailed(logger, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task QueueIfDueAsync(TimeSpan interval, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<IDocumentStore>();
        var now = clock.Now();
        await using (var query = store.QuerySession())
        {
            var latest = await query.Query<ClvSnapshot>()
                .Where(s => s.FullScope)
                .OrderByDescending(s => s.RequestedAt)
                .FirstOrDefaultAsync(ct);
            if (latest is not null && (latest.Status is FitStatus.Queued or FitStatus.Running || now - latest.RequestedAt < interval))
            {
                return;
            }
        }

        var (settings, errors) = new ClvFitRequest().Resolve(defaults.Value, weights.Value, DateOnly.FromDateTime(now.UtcDateTime));
        if (settings is null)
        {
            LogScheduleFailed(logger, "the configured defaults are invalid: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")));
            return;
        }

        var (snapshot, message) = ClvFits.Queued(settings, RequestedBy, now);
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        await using var session = store.LightweightSession();
        outbox.Enroll(session);
        session.Store(snapshot);
        await outbox.PublishAsync(message);
        await session.SaveChangesAsync(ct);
        LogRefitQueued(logger, snapshot.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled CLV refit {SnapshotId} queued")]
    private static partial void LogRefitQueued(ILogger logger, Guid snapshotId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CLV refit schedule could not run; trying again next round: {Reason}")]
    private static partial void LogScheduleFailed(ILogger logger, string reason);
}
