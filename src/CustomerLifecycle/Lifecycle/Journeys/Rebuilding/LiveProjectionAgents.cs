using Wolverine;
using Wolverine.Runtime;
using Wolverine.Runtime.Agents;

namespace CustomerLifecycle.Lifecycle.Journeys.Rebuilding;

/// <summary>
/// Holds a projection's live agent still for the length of a rebuild, wherever in the cluster it runs, and lets it
/// resume afterwards from the progress stored in <c>mt_event_progression</c>.
///
/// Why a Wolverine agent restriction: Wolverine owns the agents (managed distribution). Stopping an agent any other way
/// (Marten's daemon, <c>StopLocallyAsync</c>) is undone by Wolverine's health checks within ~10 s, and a daemon of our
/// own never touches Wolverine's agent. A "Paused" restriction is persisted, stops the agent on whichever node owns it
/// (draining its batch in flight) and keeps the leader from assigning it until the restriction is lifted; a started
/// agent always reads its position from the database. A Solo node (development, tests) has no cluster assignments to
/// carry the pause out, so the agent is also stopped and started locally there.
/// </summary>
public sealed partial class LiveProjectionAgents(IServiceProvider services, IWolverineRuntime runtime, ILogger<LiveProjectionAgents> logger)
{
    /// <summary>Pauses the agent of <paramref name="shard"/> (e.g. "CustomerJourney:All"); disposing the result resumes it.</summary>
    public async Task<IAsyncDisposable> PauseAsync(string shard, CancellationToken ct)
    {
        var uri = await AgentUriAsync(shard, ct);
        var pause = new AgentRestrictions([]);
        pause.PauseAgent(uri);
        await runtime.Agents.ApplyRestrictionsAsync(pause, ct);
        if (IsSolo && runtime.Agents.AllRunningAgentUris().Contains(uri))
        {
            await runtime.Agents.StopLocallyAsync(uri);
        }

        LogPaused(logger, uri);
        return new Resume(this, uri);
    }

    /// <summary>
    /// Lifts a pause a rebuild left behind (the process died before it could): called at start-up only while no rebuild
    /// holds the rebuild lock anywhere.
    /// </summary>
    public async Task ResumeIfPausedAsync(string shard, CancellationToken ct)
    {
        if (services.GetService<IEventSubscriptionAgentFamily>() is null)
        {
            return;
        }

        var uri = await AgentUriAsync(shard, ct);
        var state = await runtime.Storage.Nodes.LoadNodeAgentStateAsync(ct);
        if (state.Restrictions.FindPausedAgentUris().Contains(uri))
        {
            LogLeftPaused(logger, uri);
            await ResumeAsync(uri, ct);
        }
    }

    private bool IsSolo => runtime.Options.Durability.Mode == DurabilityMode.Solo;

    private async Task<Uri> AgentUriAsync(string shard, CancellationToken ct)
    {
        // Registered only when this node takes part in Wolverine's projection distribution (Projections:RunOnThisNode).
        var family = services.GetService<IEventSubscriptionAgentFamily>()
            ?? throw new InvalidOperationException("This node does not run projections (Projections:RunOnThisNode=false): start the rebuild on a projection node.");
        return await family.FindAgentUriAsync(shard, null, ct) ?? throw new InvalidOperationException($"No agent is registered for projection shard {shard}.");
    }

    private async Task ResumeAsync(Uri uri, CancellationToken ct)
    {
        await runtime.Agents.ApplyRestrictionsAsync(new AgentRestrictions([new AgentRestriction(Guid.NewGuid(), uri, AgentRestrictionType.None, 0)]), ct);
        if (IsSolo && !runtime.Agents.AllRunningAgentUris().Contains(uri))
        {
            // Only after the pause is lifted: a local start does not look at restrictions.
            await runtime.Agents.StartLocallyAsync(uri);
        }

        LogResumed(logger, uri);
    }

    private sealed class Resume(LiveProjectionAgents agents, Uri uri) : IAsyncDisposable
    {
        // Resuming must happen even when the rebuild was cancelled by a shutdown.
        public async ValueTask DisposeAsync() => await agents.ResumeAsync(uri, CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Paused live projection agent {Agent} for a rebuild")]
    private static partial void LogPaused(ILogger logger, Uri agent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live projection agent {Agent} was left paused by an interrupted rebuild; resuming it")]
    private static partial void LogLeftPaused(ILogger logger, Uri agent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed live projection agent {Agent}")]
    private static partial void LogResumed(ILogger logger, Uri agent);
}
