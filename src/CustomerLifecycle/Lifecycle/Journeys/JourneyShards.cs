using System.Text;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// The journey projection as <see cref="Count"/> shards (configuration <c>Projections:JourneyShards</c>, 1 to
/// <see cref="Max"/>): each an async projection of its own that folds the customers whose id hashes to it, so Wolverine's
/// managed distribution spreads them over the running nodes and restarts them elsewhere when a node dies. A customer's
/// events all go to one shard, in sequence order, so each journey sees exactly what one projection would show it.
/// With one shard the projection is "CustomerJourney", as it has always been named.
///
/// Every shard reads every event page (the daemon offers no filter on a hash of the stream key) and folds and writes
/// only its own customers; folding and writing are most of a page's cost. Changing the count needs a rebuild: the
/// progress of the old shards does not carry over.
/// </summary>
public sealed record JourneyShards(int Count)
{
    public const int Max = 16;

    public static JourneyShards One { get; } = new(1);

    /// <summary>The projection names, shard 0 first.</summary>
    public IReadOnlyList<string> Names => [.. Enumerable.Range(0, Count).Select(Name)];

    /// <summary>The daemon shard names (<c>name:All</c>), as <c>mt_event_progression</c> and the agents know them.</summary>
    public IReadOnlyList<string> ProgressNames => [.. Names.Select(n => n + ":All")];

    public string Name(int shard) => Count == 1 ? CustomerJourneyProjection.ProjectionName : $"{CustomerJourneyProjection.ProjectionName}{shard + 1}of{Count}";

    /// <summary>Whether <paramref name="projection"/> names the journey projection or one of its shards.</summary>
    public bool Includes(string projection) =>
        projection == CustomerJourneyProjection.ProjectionName || Names.Contains(projection, StringComparer.Ordinal);

    /// <summary>The shard a customer's events go to: FNV-1a of the id's UTF-8 bytes, modulo the count (stable across processes and versions).</summary>
    public int Of(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        if (Count == 1)
        {
            return 0;
        }

        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(customerId))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return (int)(hash % (uint)Count);
    }
}
