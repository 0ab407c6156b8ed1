using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Infrastructure.Store;
using Npgsql;

namespace CustomerLifecycle.WebConsole.ValueAndRisk;

/// <summary>Customers whose CLV lies in [From, To); To is null for the open top bucket.</summary>
public sealed record ClvBucket(double From, double? To, long Customers);

/// <summary>
/// How a snapshot's CLV is spread: equal-width buckets from 0 up to the 99th percentile, and one open bucket above it,
/// so a few very valuable customers do not squeeze everyone else into the first bar.
/// </summary>
public static class ClvDistribution
{
    public const int Buckets = 20;

    public static async Task<IReadOnlyList<ClvBucket>> ReadAsync(NpgsqlDataSource dataSource, Guid snapshotId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            $"""
             with v as (select clv from {StoreSetup.Schema}.{ClvResults.Table} where snapshot_id = $1 and clv is not null),
             top as (select percentile_disc(0.99) within group (order by clv) as p99 from v)
             select top.p99, width_bucket(v.clv, 0, greatest(top.p99, 1e-9), $2), count(*)
             from v cross join top group by 1, 2 order by 2
             """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = snapshotId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = Buckets });
        var counts = new Dictionary<int, long>();
        var p99 = 0.0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            p99 = reader.GetDouble(0);
            counts[reader.GetInt32(1)] = reader.GetInt64(2);
        }

        return Of(p99, counts);
    }

    /// <summary>
    /// The buckets from PostgreSQL's width_bucket numbers: 1..<see cref="Buckets"/> split [0, p99) evenly, the number
    /// above them counts p99 and more, 0 (a negative CLV, which margins below zero could give) joins the first bucket.
    /// </summary>
    public static IReadOnlyList<ClvBucket> Of(double p99, IReadOnlyDictionary<int, long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count == 0)
        {
            return [];
        }

        var width = p99 / Buckets;
        var buckets = new List<ClvBucket>(Buckets + 1);
        for (var i = 1; i <= Buckets; i++)
        {
            var customers = counts.GetValueOrDefault(i) + (i == 1 ? counts.GetValueOrDefault(0) : 0);
            buckets.Add(new ClvBucket((i - 1) * width, i * width, customers));
        }

        buckets.Add(new ClvBucket(p99, null, counts.Where(c => c.Key > Buckets).Sum(c => c.Value)));
        return buckets;
    }
}
