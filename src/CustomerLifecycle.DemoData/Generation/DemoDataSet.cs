namespace CustomerLifecycle.DemoData.Generation;

/// <summary>
/// What to generate: <see cref="Customers"/> journeys acquired through campaigns (friends they refer come on top),
/// over the 365 days that end at midnight UTC of <see cref="Until"/>. Nothing is dated at or after that instant.
/// </summary>
internal sealed record DemoSettings(int Customers, int Seed, DateOnly Until)
{
    public const int DefaultCustomers = 5_000;
    public const int DefaultSeed = 42;

    public DateTimeOffset End => new(Until.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public DateTimeOffset Start => End.AddDays(-365);

    /// <summary>
    /// Ids carry the seed and the end date: the same run posts the same ids again (duplicates), while a run with
    /// another seed or end date is a population of its own instead of a wall of conflicts.
    /// </summary>
    public string IdPrefix => $"demo-s{Seed}-{Until:yyyyMMdd}";
}

/// <summary>One touchpoint ready to post: its wire JSON and the few values the summary and the poster need.</summary>
internal sealed record GeneratedTouchpoint(string EventId, string CustomerId, string Type, DateTimeOffset OccurredAt, bool ArrivesLate, string Json);

/// <summary>How one generated person came to us and how far they went (for the summary, not posted).</summary>
internal sealed record DemoCustomer(string Id, string Channel, string? Campaign, string? ReferredBy, bool Engaged, int Orders, bool Subscribed, bool WonBack);

/// <summary>
/// The generated population. <see cref="Touchpoints"/> is in posting order: everything in business-time order, then
/// the late arrivals (older facts that reach the service after newer ones).
/// </summary>
internal sealed record DemoDataSet(DemoSettings Settings, IReadOnlyList<DemoCustomer> Customers, IReadOnlyList<GeneratedTouchpoint> Touchpoints);
