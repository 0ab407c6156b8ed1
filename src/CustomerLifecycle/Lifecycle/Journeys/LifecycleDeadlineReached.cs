namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// The passage of time for one customer, as a fact in the customer's own stream: "by AsOf, this customer's next
/// lifecycle deadline had fallen due". Appended by the sweep, so that a replay advances the journal at exactly the
/// points the live service did and time-based transitions appear without any new touchpoint. Being in the customer's
/// stream, it keeps the journey a fold of one stream.
/// </summary>
public sealed record LifecycleDeadlineReached(string CustomerId, DateTimeOffset AsOf)
{
    public const string EventTypeName = "lifecycle_deadline_reached";
}
