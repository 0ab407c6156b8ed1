namespace CustomerLifecycle.Lifecycle.Journeys.Rebuilding;

/// <summary>
/// A rebuild pauses the live journey agent in Wolverine's durable storage; if its process dies before it resumes the
/// agent, the pause outlives it and the read model would stop following new events. Once the host has started, this
/// lifts such a leftover pause (unless a rebuild is running somewhere). Then, on the first start after an upgrade
/// from the unbounded journey documents, it rebuilds the read model once (<see cref="JourneyBulkRebuild.UpgradeIfNeededAsync"/>).
/// </summary>
public sealed partial class RebuildPauseRecovery(JourneyBulkRebuild rebuild, IHostApplicationLifetime lifetime, ILogger<RebuildPauseRecovery> logger)
    : BackgroundService
{
    private readonly TaskCompletionSource checkedAtStart = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the start-up check has run (or was skipped): until then a pause made by anyone may be lifted as a leftover.</summary>
    public Task CheckedAtStart => checkedAtStart.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await CheckAsync(stoppingToken);
        }
        finally
        {
            checkedAtStart.TrySetResult();
        }
    }

    private async Task CheckAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return; // the host stopped, or failed to start (the host would report a cancelled wait as this service's failure)
        }

        try
        {
            await rebuild.RecoverAsync(stoppingToken);
            await rebuild.UpgradeIfNeededAsync(stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRecoveryFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not check for a projection agent left paused by an interrupted rebuild")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception ex);
}
