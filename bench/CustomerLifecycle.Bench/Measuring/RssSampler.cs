namespace CustomerLifecycle.Bench.Measuring;

/// <summary>The service's VmRSS every 100 ms: the peak since the last step, and over the whole phase.</summary>
internal sealed class RssSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private long stepPeak;
    private long peak;
    private long current;

    public RssSampler(int pid) => loop = SampleAsync(pid, stop.Token);

    public long Current => Interlocked.Read(ref current);

    public long Peak => Interlocked.Read(ref peak);

    /// <summary>The peak since the previous call, and starts a new step.</summary>
    public long Step() => Interlocked.Exchange(ref stepPeak, Current);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }

    private async Task SampleAsync(int pid, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            if (ProcFs.Memory(pid) is { } memory)
            {
                Interlocked.Exchange(ref current, memory.RssKiB);
                InterlockedMax(ref stepPeak, memory.RssKiB);
                InterlockedMax(ref peak, memory.RssKiB);
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long seen;
        while ((seen = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
