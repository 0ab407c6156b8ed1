using CsCheck;
using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Tests.Lifecycle.JournalProperties;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// Every as-of answer uses only what had happened by then: what-if's stage at <c>asOf</c> (optionally as known at
/// <c>knownAt</c>) equals the stage a journal built from only the facts recorded by <c>knownAt</c> shows for <c>asOf</c>.
/// </summary>
public class AsOfPropertyTests
{
    private const int DayMinutes = 24 * 60;

    private sealed record Question(History History, DateTimeOffset AsOf, DateTimeOffset? KnownAt)
    {
        public override string ToString() => $"asOf {AsOf:O}, knownAt {KnownAt:O}{Environment.NewLine}{History}";
    }

    private static readonly Gen<Question> Questions = Gen.Select(
        Histories, Gen.Int[-DayMinutes, 900 * DayMinutes], Gen.Int[-1, 900 * DayMinutes],
        (history, asOf, knownAt) => new Question(history, TestFacts.Epoch.AddMinutes(asOf), knownAt < 0 ? null : TestFacts.Epoch.AddMinutes(knownAt)));

    [Fact]
    public void What_if_at_a_past_instant_equals_a_replay_truncated_there() =>
        Questions.Sample(
            q =>
            {
                var known = q.History.Arrivals.Where(f => q.KnownAt is not { } k || f.RecordedAt <= k).ToList();
                var horizon = known.Select(f => f.RecordedAt).Append(q.AsOf).Max();
                var expected = LifecycleJournal.Rebuild(known, q.History.Rules, horizon).StageAt(q.AsOf);

                var shifts = WhatIf.Run(q.History.Arrivals, q.History.Rules, q.History.Rules, q.AsOf, q.KnownAt);

                Assert.Equal(expected, shifts.SingleOrDefault()?.From);
                Assert.All(shifts, s => Assert.False(s.Changed));
                Assert.Equal(known.Any(f => f.OccurredAt <= q.AsOf), shifts.Count == 1);
            },
            iter: Iterations,
            print: q => q.ToString());

    [Fact]
    public void Replay_as_of_gives_the_prefix_of_the_full_history() =>
        Questions.Sample(
            q =>
            {
                var cut = q.AsOf < q.History.Horizon ? q.AsOf : q.History.Horizon;
                var full = LifecycleJournal.Replay(q.History.Arrivals, q.History.Rules, q.History.Horizon);

                var truncated = LifecycleJournal.ReplayAsOf(q.History.Arrivals, q.History.Rules, cut);

                Assert.Equal(full.Changes.Where(c => c.EffectiveAt <= cut), truncated.Changes);
            },
            iter: Iterations,
            print: q => q.ToString());
}
