using System.Diagnostics;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Npgsql;

namespace CustomerLifecycle.Bench.Measuring;

/// <summary>
/// Watches how far the CustomerJourney projection has got (its rows in mt_event_progression, which the daemon
/// updates in the same transaction as the journeys it wrote; with several shards the least advanced one), every 10 ms
/// from its own connection, and remembers when each new position was first seen: an event is visible in the read
/// model from then on.
/// </summary>
internal sealed class ProjectionProgress : IAsyncDisposable
{
    public const string Shard = CustomerJourneyProjection.ProjectionName + ":All";
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);

    private readonly List<(long Timestamp, long Sequence)> seen = [];
    private readonly NpgsqlConnection connection;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long latest = -1;

    private readonly string[] shards;

    private ProjectionProgress(NpgsqlConnection connection, string[] shards)
    {
        this.connection = connection;
        this.shards = shards;
        loop = Task.Run(PollAsync);
    }

    public static async Task<ProjectionProgress> StartAsync(NpgsqlDataSource dataSource, CancellationToken ct, JourneyShards? shards = null) =>
        new(await dataSource.OpenConnectionAsync(ct), [.. (shards ?? JourneyShards.One).ProgressNames]);

    /// <summary>The Stopwatch timestamp of the first position seen past <paramref name="sequence"/>: when work after it became visible.</summary>
    public long? FirstPast(long sequence) => VisibleAt(sequence + 1);

    public long Latest => Interlocked.Read(ref latest);

    /// <summary>The Stopwatch timestamp at which the projection was first seen at or past <paramref name="sequence"/>.</summary>
    public long? VisibleAt(long sequence)
    {
        lock (seen)
        {
            var lo = 0;
            var hi = seen.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (seen[mid].Sequence >= sequence)
                {
                    hi = mid;
                }
                else
                {
                    lo = mid + 1;
                }
            }

            return lo < seen.Count ? seen[lo].Timestamp : null;
        }
    }

    /// <summary>Waits until the projection has processed <paramref name="sequence"/>; false if it did not within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForAsync(long sequence, TimeSpan timeout, CancellationToken ct)
    {
        var waited = Stopwatch.StartNew();
        while (Latest < sequence)
        {
            if (waited.Elapsed > timeout || loop.IsCompleted)
            {
                return false;
            }

            await Task.Delay(Interval, ct);
        }

        return true;
    }

    private async Task PollAsync()
    {
        await using var command = new NpgsqlCommand(
            $"""
             select min(coalesce(p.last_seq_id, 0)) from unnest($1::varchar[]) as s(name)
             left join {StoreSetup.Schema}.mt_event_progression p on p.name = s.name
             """, connection)
        {
            Parameters = { new NpgsqlParameter<string[]> { TypedValue = shards } },
        };
        await command.PrepareAsync(stop.Token);
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                var value = await command.ExecuteScalarAsync(stop.Token) is long sequence ? sequence : 0;
                var now = Stopwatch.GetTimestamp();
                if (value > Latest)
                {
                    lock (seen)
                    {
                        seen.Add((now, value));
                    }

                    Interlocked.Exchange(ref latest, value);
                }
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (NpgsqlException)
        {
            // A poller that lost its connection has nothing more to report.
        }

        stop.Dispose();
        await connection.DisposeAsync();
    }
}
