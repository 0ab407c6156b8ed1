using System.Threading.Channels;
using CustomerLifecycle.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Ingestion.Recording;

/// <summary>The service is stopping and takes no new work; the client should retry (mapped to 503).</summary>
public sealed class ServiceStoppingException() : Exception("The service is stopping; retry against another instance or later.");

/// <summary>
/// Group commit for single-event posts. One transaction per event caps a client fleet at the rate PostgreSQL can
/// flush commits (a few thousand a second); instead, requests that arrive while a commit is in flight wait for the
/// next one and share it. A lone request is never held back: a committer takes whatever is queued the moment it is
/// free. Each caller is answered only after the transaction holding its event has committed, so the guarantee of a
/// single POST is unchanged. The queue is bounded (Ingestion:MaxQueuedEvents): beyond it a caller gets 429 with
/// Retry-After instead of the queue growing memory.
/// </summary>
public sealed class GroupCommit(TouchpointAppender appender, IOptions<IngestionLimits> limits, ILogger<GroupCommit> logger) : IHostedService
{
    /// <summary>Most events one shared transaction takes; beyond this, the next committer takes the rest.</summary>
    public const int MaxGroup = 1_000;

    /// <summary>Two committers overlap one transaction's round trips with the next one's.</summary>
    public const int Committers = 2;

    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(limits.Value.MaxQueuedEvents) { SingleReader = false, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });

    private volatile bool stopping;
    private Task[] committers = [];

    private sealed record Pending(ValidTouchpoint Touchpoint, RequestOrigin Origin, TaskCompletionSource<AppendOutcome> Done);

    public Task<AppendOutcome> AppendAsync(ValidTouchpoint touchpoint, RequestOrigin origin)
    {
        var pending = new Pending(touchpoint, origin, new TaskCompletionSource<AppendOutcome>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!queue.Writer.TryWrite(pending))
        {
            throw stopping
                ? new ServiceStoppingException()
                : new QueueFullException($"{limits.Value.MaxQueuedEvents} single touchpoints are already waiting to be committed (Ingestion:MaxQueuedEvents); retry shortly or send batches.");
        }

        return pending.Done.Task;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        committers = Enumerable.Range(0, Committers).Select(_ => Task.Run(CommitLoopAsync, CancellationToken.None)).ToArray();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Finish what was accepted into the queue (those callers are waiting), then stop.
        stopping = true;
        queue.Writer.TryComplete();
        await Task.WhenAll(committers).WaitAsync(cancellationToken);
    }

    private async Task CommitLoopAsync()
    {
        var group = new List<Pending>(MaxGroup);
        while (await queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < MaxGroup && queue.Reader.TryRead(out var next))
            {
                group.Add(next);
            }

            if (group.Count == 0)
            {
                continue;
            }

            await CommitAsync(group);
        }
    }

    private async Task CommitAsync(List<Pending> group)
    {
        // A commit in flight is finished even during shutdown: its callers are waiting for the answer.
        try
        {
            // Each request keeps its own origin, so a conflict is quarantined under the key that sent it.
            var result = await appender.AppendAsync(
                group.Select(p => p.Touchpoint).ToList(), [], group[0].Origin, CancellationToken.None, group.Select(p => p.Origin).ToList());
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Done.TrySetResult(result.Touchpoints[i]);
            }
        }
        catch (Exception ex)
        {
            LogGroupFailed(logger, group.Count, ex);
            foreach (var pending in group)
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private static readonly Action<ILogger, int, Exception?> LogGroupFailedMessage =
        LoggerMessage.Define<int>(LogLevel.Warning, new EventId(1, "GroupCommitFailed"), "A shared commit of {Count} touchpoints failed; every caller in it gets the error");

    private static void LogGroupFailed(ILogger logger, int count, Exception ex) => LogGroupFailedMessage(logger, count, ex);
}
