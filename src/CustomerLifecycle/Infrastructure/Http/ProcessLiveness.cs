using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// Liveness: the process still schedules work. It never asks the database (an outage is not cured by a restart), but a
/// thread pool too starved or blocked to run a trivial work item within the bound is reported Unhealthy, and a process
/// hung outright does not answer at all, which an orchestrator's probe timeout counts as a failure.
/// </summary>
public sealed class ProcessLiveness : IHealthCheck
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            await Task.Run(() => { }, cancellationToken).WaitAsync(Bound, cancellationToken);
        }
        catch (TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"The thread pool did not run a work item within {Bound.TotalSeconds:0} s");
        }

        var waited = TimeProvider.System.GetElapsedTime(started);
        return HealthCheckResult.Healthy("The process schedules work", new Dictionary<string, object> { ["thread_pool_delay_ms"] = Math.Round(waited.TotalMilliseconds, 1) });
    }
}
