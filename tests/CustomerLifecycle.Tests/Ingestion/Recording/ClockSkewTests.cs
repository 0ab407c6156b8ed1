using CustomerLifecycle.Ingestion.Recording;

namespace CustomerLifecycle.Tests.Ingestion.Recording;

public class ClockSkewTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Without_sentAt_occurredAt_is_kept_as_sent()
    {
        var occurredAt = ReceivedAt.AddMinutes(-5);
        Assert.Equal(occurredAt, ClockSkew.Correct(occurredAt, null, ReceivedAt));
    }

    [Fact]
    public void A_client_clock_two_hours_fast_is_shifted_back_two_hours()
    {
        // The client believes it is 14:00 when we receive at 12:00; its event happened 10 minutes before sending.
        var sentAt = ReceivedAt.AddHours(2);
        var occurredAt = sentAt.AddMinutes(-10);
        Assert.Equal(ReceivedAt.AddMinutes(-10), ClockSkew.Correct(occurredAt, sentAt, ReceivedAt));
    }

    [Fact]
    public void A_slow_client_clock_is_shifted_forward_whatever_its_offset()
    {
        var sentAt = new DateTimeOffset(2026, 11, 23, 12, 30, 0, TimeSpan.FromHours(1)); // 11:30 UTC: 30 minutes slow
        var occurredAt = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(1)); // 11:00 UTC by its clock
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 11, 30, 0, TimeSpan.Zero), ClockSkew.Correct(occurredAt, sentAt, ReceivedAt));
    }

    [Fact]
    public void An_absurd_sentAt_clamps_instead_of_overflowing()
    {
        var corrected = ClockSkew.Correct(DateTimeOffset.MaxValue.AddDays(-1), DateTimeOffset.MinValue, ReceivedAt);
        Assert.Equal(DateTimeOffset.MaxValue.UtcTicks, corrected.UtcTicks);
    }
}
