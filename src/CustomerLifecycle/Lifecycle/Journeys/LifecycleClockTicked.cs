namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// The passage of time, as a fact: "by AsOf, these customers' next lifecycle deadlines had fallen due". Appended by
/// the sweep to the system stream <see cref="StreamKey"/>, so that a replay advances every journal at exactly the
/// points the live service did, and time-based transitions appear without any new touchpoint.
/// </summary>
public sealed record LifecycleClockTicked(DateTimeOffset AsOf, IReadOnlyList<string> CustomerIds)
{
    /// <summary>System streams start with '$', which customer ids may not, so they can never collide.</summary>
    public const string StreamKey = "$lifecycle-clock";

    public const string EventTypeName = "lifecycle_clock_ticked";
}
