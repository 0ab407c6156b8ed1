using Wolverine.Runtime.Agents;

namespace CustomerLifecycle.Infrastructure;

/// <summary>
/// Runs a periodic job on one node of the cluster: a Wolverine singular agent, which the leader assigns to one node
/// and moves to another when that node goes away (a solo node runs it itself). The job is an ordinary
/// <see cref="BackgroundService"/>, started and stopped by the agent instead of by the host, so the job's own code
/// does not change with where it runs.
/// </summary>
public abstract class OncePerCluster<TJob>(string scheme, TJob job) : SingularAgent(scheme)
    where TJob : BackgroundService
{
    // Not the agent's start token: the job runs until the agent is stopped, however the start was requested.
    protected override Task startAsync(CancellationToken cancellationToken) => job.StartAsync(CancellationToken.None);

    protected override Task stopAsync(CancellationToken cancellationToken) => job.StopAsync(cancellationToken);
}
