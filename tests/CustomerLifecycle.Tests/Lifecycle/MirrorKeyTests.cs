using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// The projection's writer skips the mirrors of a journey whose mirror key did not change, so the key must change with every
/// value the mirror tables take from the journey, and only with them.
/// </summary>
public class MirrorKeyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private static readonly StageSpell[] Spells =
    [
        new(LifecycleStage.Prospect, T0, T0.AddDays(3), "first-touch"),
        new(LifecycleStage.Customer, T0.AddDays(3), null, "first-purchase"),
    ];

    private static readonly MonthActivity[] Months = [new("2026-03", "EUR", 1, 10.5m)];

    private static long Key(IReadOnlyList<StageSpell>? spells = null, IReadOnlyList<MonthActivity>? months = null, string? channel = "ads", string? cohort = "2026-03", string? firstSeen = "2026-03") =>
        CustomerJourney.MirrorDigest(spells ?? Spells, months ?? Months, channel, cohort, firstSeen);

    [Fact]
    public void Equal_content_gives_an_equal_key_whatever_the_offset_of_the_instants()
    {
        var shifted = Spells.Select(s => s with { From = s.From.ToOffset(TimeSpan.FromHours(2)), Until = s.Until?.ToOffset(TimeSpan.FromHours(-5)) }).ToList();

        Assert.Equal(Key(), Key(spells: shifted));
        Assert.Equal(Key(), Key(months: [new("2026-03", "EUR", 1, 10.5m)]));
    }

    [Fact]
    public void Every_mirrored_value_changes_the_key()
    {
        long[] keys =
        [
            Key(),
            Key(channel: null),
            Key(channel: "ads2"),
            Key(cohort: null),
            Key(firstSeen: "2026-02"),
            Key(spells: [Spells[0], Spells[1] with { Until = T0.AddDays(9) }]),
            Key(spells: [Spells[0], Spells[1] with { Stage = LifecycleStage.RepeatCustomer }]),
            Key(spells: [Spells[0], Spells[1] with { EnteredBy = "other" }]),
            Key(spells: [Spells[0], Spells[1] with { From = T0.AddDays(3).AddTicks(1) }]),
            Key(spells: [Spells[0]]),
            Key(months: []),
            Key(months: [new("2026-03", "EUR", 2, 10.5m)]),
            Key(months: [new("2026-03", "USD", 1, 10.5m)]),
            Key(months: [new("2026-04", "EUR", 1, 10.5m)]),
            Key(months: [new("2026-03", "EUR", 1, 10.4m)]),
            // Same number, other scale: the months table stores 10.50 apart from 10.5.
            Key(months: [new("2026-03", "EUR", 1, 10.50m)]),
            // Strings are written with their lengths: moving text between neighbours is a change.
            Key(channel: "ads|", cohort: "2026-03"),
            Key(channel: "ad", cohort: "s2026-03"),
        ];

        Assert.Equal(keys.Length, keys.Distinct().Count());
    }
}
