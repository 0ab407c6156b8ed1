using System.Globalization;

namespace CustomerLifecycle.DemoData.Generation;

/// <summary>
/// Seed and settings in, a population of customer journeys out, as touchpoints in posting order. Pure: no clock, no
/// I/O, no shared random state, so the same settings always give the same bytes (and therefore the same event ids,
/// which makes posting the result twice a run of duplicates).
/// </summary>
internal static class DemoDataGenerator
{
    /// <summary>Share of touchpoints (never a customer's first) that reach the service after everything else.</summary>
    public const double LateShare = 0.015;

    public static DemoDataSet Generate(DemoSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegative(settings.Customers);
        var seed = unchecked((ulong)settings.Seed);
        var customers = new List<DemoCustomer>(settings.Customers);
        var touchpoints = new List<GeneratedTouchpoint>(settings.Customers * 12);
        var friends = new Queue<ReferredFriend>();
        var people = new FakePeople();

        for (var i = 0; i < settings.Customers; i++)
        {
            // Each person draws from a stream of their own, so person i is the same whatever --customers says.
            var random = DemoRandom.For(seed, (ulong)i + 1);
            var customerId = $"{settings.IdPrefix}-{i.ToString("D6", CultureInfo.InvariantCulture)}";
            var channel = random.PickWeighted(Channels.Mix);
            var firstTouchAt = settings.Start + TimeSpan.FromSeconds(random.Between(0.0, (settings.End - settings.Start).TotalSeconds - 3600));
            Live(new JourneySimulator(customerId, random, people, channel, settings.End), firstTouchAt, random);
        }

        while (friends.TryDequeue(out var friend))
        {
            var random = DemoRandom.For(seed, StableHash(friend.CustomerId));
            Live(new JourneySimulator(friend.CustomerId, random, people, Channels.ReferredFriend, settings.End, friend.Depth, friend.ReferredBy), friend.FirstVisitAt, random);
        }

        // The feed arrives in business-time order; the late facts come after all of it, oldest first.
        var ordered = touchpoints
            .OrderBy(t => t.ArrivesLate)
            .ThenBy(t => t.OccurredAt)
            .ThenBy(t => t.EventId, StringComparer.Ordinal)
            .ToList();
        return new DemoDataSet(settings, customers, ordered);

        void Live(JourneySimulator journey, DateTimeOffset firstTouchAt, DemoRandom random)
        {
            customers.Add(journey.Run(firstTouchAt));
            touchpoints.AddRange(journey.Timeline.Finish(random, LateShare));
            foreach (var friend in journey.Friends)
            {
                friends.Enqueue(friend);
            }
        }
    }

    /// <summary>FNV-1a: string.GetHashCode differs between processes, and a friend's stream must not.</summary>
    private static ulong StableHash(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return hash;
    }
}
