using CustomerLifecycle.Infrastructure;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>The lifecycle sweep runs on one node of the cluster: one clock, one tick per due journey.</summary>
public sealed class LifecycleSweepAgent(LifecycleSweep sweep) : OncePerCluster<LifecycleSweep>(UriScheme, sweep)
{
    public const string UriScheme = "lifecycle-sweep";
}
