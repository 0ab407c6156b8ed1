using System.Diagnostics;

namespace CustomerLifecycle.Bench.Measuring;

/// <summary>What a load loop did: operations finished, the failures, and each finished operation's latency.</summary>
internal sealed record LoadResult(int Operations, int Failures, string? FirstFailure, double Seconds, Latencies Latencies, bool StoppedByTime);

/// <summary>
/// Runs <c>operation(i)</c> for i = 0, 1, … from <c>clients</c> concurrent loops, until <c>count</c> operations were
/// started or <c>timeLimit</c> has passed, whichever comes first. Always stops by itself.
/// </summary>
internal static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(int clients, int count, TimeSpan timeLimit, Func<int, CancellationToken, Task> operation, CancellationToken ct)
    {
        var next = -1;
        var failures = 0;
        string? firstFailure = null;
        var timedOut = false;
        var perClient = new List<double>[clients];
        var started = Stopwatch.StartNew();

        async Task Client(int client)
        {
            var latencies = perClient[client] = new List<double>(count / clients + 1);
            while (!ct.IsCancellationRequested)
            {
                if (started.Elapsed > timeLimit)
                {
                    timedOut = true;
                    return;
                }

                var i = Interlocked.Increment(ref next);
                if (i >= count)
                {
                    return;
                }

                var begin = Stopwatch.GetTimestamp();
                try
                {
                    await operation(i, ct);
                    latencies.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => Client(c), CancellationToken.None)));
        ct.ThrowIfCancellationRequested();
        var elapsed = started.Elapsed.TotalSeconds;
        var all = perClient.SelectMany(l => l).ToArray();
        return new LoadResult(all.Length, failures, firstFailure, elapsed, new Latencies(all), timedOut);
    }
}

/// <summary>
/// An open-loop load: operation i starts at <c>i × interval</c> (a steady rate, whatever the latency), with at most
/// <c>maxInFlight</c> running at once; an operation that finds them all busy starts late. Stops after <c>count</c>
/// operations or <c>timeLimit</c>.
/// </summary>
internal static class PacedLoad
{
    /// <returns>The load, and how many operations started more than one interval behind their schedule.</returns>
    public static async Task<(LoadResult Load, int Late)> RunAsync(
        int count, TimeSpan interval, int maxInFlight, TimeSpan timeLimit, Func<int, CancellationToken, Task> operation, CancellationToken ct)
    {
        var slots = new SemaphoreSlim(maxInFlight);
        var latencies = new List<double>(count);
        var running = new List<Task>(count);
        var failures = 0;
        var late = 0;
        string? firstFailure = null;
        var timedOut = false;
        var started = Stopwatch.StartNew();
        for (var i = 0; i < count && !ct.IsCancellationRequested; i++)
        {
            var due = interval * i;
            if (due > timeLimit)
            {
                timedOut = true;
                break;
            }

            if (due > started.Elapsed)
            {
                await Task.Delay(due - started.Elapsed, ct);
            }

            await slots.WaitAsync(ct);
            if (started.Elapsed - due > interval)
            {
                late++;
            }

            var n = i;
            running.Add(Task.Run(async () =>
            {
                var begin = Stopwatch.GetTimestamp();
                try
                {
                    await operation(n, ct);
                    lock (latencies)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(begin).TotalMilliseconds);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstFailure, e.Message, null);
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None));
        }

        await Task.WhenAll(running);
        ct.ThrowIfCancellationRequested();
        slots.Dispose();
        return (new LoadResult(latencies.Count, failures, firstFailure, started.Elapsed.TotalSeconds, new Latencies([.. latencies]), timedOut), late);
    }
}

/// <summary>Latencies in milliseconds, with nearest-rank percentiles.</summary>
internal sealed class Latencies
{
    private readonly double[] sorted;

    public Latencies(double[] milliseconds)
    {
        sorted = milliseconds;
        Array.Sort(sorted);
    }

    public int Count => sorted.Length;

    public double Percentile(double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];

    public double Max => sorted.Length == 0 ? double.NaN : sorted[^1];
}
