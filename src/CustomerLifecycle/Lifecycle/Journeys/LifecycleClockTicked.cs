namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// The passage of time for many customers at once: "by AsOf, these customers' next lifecycle deadlines had fallen due",
/// in the system stream <see cref="StreamKey"/>. The sweep appends <see cref="LifecycleDeadlineReached"/> to each
/// customer's own stream instead; stores that already hold ticks keep them, and the projection and the rebuild fold
/// them as they always did, so replays reproduce what was believed.
/// </summary>
public sealed record LifecycleClockTicked(DateTimeOffset AsOf, IReadOnlyList<string> CustomerIds)
{
    /// <summary>System streams start with '$', which customer ids may not, so they can never collide.</summary>
    public const string StreamKey = "$lifecycle-clock";

    public const string EventTypeName = "lifecycle_clock_ticked";
}
