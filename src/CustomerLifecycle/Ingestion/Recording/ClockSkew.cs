namespace CustomerLifecycle.Ingestion.Recording;

/// <summary>
/// Client clocks drift. Like Segment and PostHog, when a client tells us when it sent a request (sentAt),
/// the difference between our receive time and its send time measures its clock error, and we shift its
/// occurredAt by the same amount: occurredAt + (receivedAt − sentAt). Network latency is folded in; it is
/// small next to the drift this repairs. Both raw values are kept in the event headers.
/// </summary>
public static class ClockSkew
{
    public static DateTimeOffset Correct(DateTimeOffset occurredAt, DateTimeOffset? sentAt, DateTimeOffset receivedAt)
    {
        if (sentAt is not { } sent)
        {
            return occurredAt;
        }

        var corrected = occurredAt.UtcTicks + (receivedAt.UtcTicks - sent.UtcTicks);
        // A wildly wrong sentAt must not overflow; clamp into the representable range and let validation judge it.
        return new DateTimeOffset(Math.Clamp(corrected, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
    }
}
