using CustomerLifecycle.Infrastructure;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>The CLV refit schedule runs on one node of the cluster, so one refit is queued per interval.</summary>
public sealed class ClvRefitScheduleAgent(ClvRefitSchedule schedule) : OncePerCluster<ClvRefitSchedule>(UriScheme, schedule)
{
    public const string UriScheme = "clv-refit-schedule";
}
