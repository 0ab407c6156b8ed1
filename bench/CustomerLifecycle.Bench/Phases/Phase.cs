using System.Diagnostics;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Reporting;
using CustomerLifecycle.Bench.Setup;
using CustomerLifecycle.Bench.Workload;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>One numbered phase of the run. A phase measures one or more things and prints each as it finishes.</summary>
internal interface IPhase
{
    int Number { get; }

    string Title { get; }

    Task<PhaseReport> RunAsync(PhaseContext context);
}

/// <summary>One measured figure: a named load, what it achieved and what it cost.</summary>
/// <param name="Key">Stable name the ratios refer to, e.g. "copy" or "single-64".</param>
/// <param name="EventsPerOperation">500 for a batch, 1 for a single event: latencies are per operation.</param>
internal sealed record Measurement(
    string Key, string Name, LoadResult Load, int EventsPerOperation, ResourceUsage Usage, IReadOnlyList<StatementCost> Statements, ServerActivity? Server)
{
    public long Events => (long)Load.Operations * EventsPerOperation;

    public double EventsPerSecond => Events / Load.Seconds;

    /// <summary>A measurement in which requests failed is printed but not judged.</summary>
    public bool Valid => Load.Failures == 0;
}

internal sealed record PhaseReport(int Number, string Title, IReadOnlyList<Measurement> Measurements, string? NotMeasured = null)
{
    /// <summary>The whole phase, warm-up included: its peak service memory is phase 8's figure.</summary>
    public ResourceUsage? Whole { get; init; }
}

/// <summary>Everything a phase needs, and the one way to take a measurement so that all are taken alike.</summary>
internal sealed class PhaseContext(
    BenchOptions options, TouchpointMix mix, BenchDatabase database, ServiceProcess service, ResourceMonitor monitor, ServerProfile server, CancellationToken ct)
{
    private long acknowledged;

    public BenchOptions Options => options;

    public TouchpointMix Mix => mix;

    public BenchDatabase Database => database;

    public ServiceProcess Service => service;

    public CancellationToken Cancellation => ct;

    /// <summary>Events the service acknowledged (warm-ups included), to check against what the store holds at the end.</summary>
    public long Acknowledged => Interlocked.Read(ref acknowledged);

    public void CountAcknowledged(int events) => Interlocked.Add(ref acknowledged, events);

    /// <summary>
    /// Reads the server's counters, opens a resource window, runs the load, reads the counters again and prints the
    /// result with where the time went.
    /// </summary>
    public async Task<Measurement> MeasureAsync(string key, string name, int eventsPerOperation, Func<CancellationToken, Task<LoadResult>> load)
    {
        service.EnsureRunning();
        // A smoke run skips the waits for a quiet machine and for the server's counters; its figures are not results anyway.
        var settle = !options.Quick;
        if (settle)
        {
            await WaitForQuietMachineAsync();
        }

        var before = await server.StartAsync(settle, ct);
        var window = monitor.Begin();
        var result = await load(ct);
        var usage = window.End();
        // A service that died mid-measurement leaves figures that mean nothing: fail before printing them.
        service.EnsureRunning();
        var (activity, statements) = await server.EndAsync(before, settle, ct);
        var measurement = new Measurement(key, name, result, eventsPerOperation, usage, statements, activity);
        ConsoleReport.Print(measurement);
        return measurement;
    }

    /// <summary>
    /// On a shared machine other programs (a build, a test run) take cores from the service and the server and make a
    /// figure meaningless. Waits, for 10 s at most, until they leave the machine alone for half a second; a measurement
    /// they still disturb is flagged as such.
    /// </summary>
    private async Task WaitForQuietMachineAsync()
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var probe = monitor.Begin();
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            var busy = ConsoleReport.Disturbed(probe.End());
            if (!busy || waited.Elapsed > TimeSpan.FromSeconds(10))
            {
                if (waited.Elapsed > TimeSpan.FromSeconds(1))
                {
                    Console.WriteLine($"    (waited {waited.Elapsed.TotalSeconds:0} s for other programs to leave the machine alone{(busy ? "; they did not" : "")})");
                }

                return;
            }
        }
    }

    /// <summary>
    /// Runs a short unmeasured load first (up to <paramref name="count"/> operations, a few seconds at most), so that
    /// JIT tiering, connection pools and caches have settled when timing starts.
    /// </summary>
    public async Task WarmUpAsync(int clients, int count, Func<int, CancellationToken, Task> operation)
    {
        var warm = await LoadRunner.RunAsync(clients, count, options.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(4), operation, ct);
        if (warm.Failures > 0)
        {
            throw new BenchException($"the warm-up failed {warm.Failures} of {count} times; first failure: {warm.FirstFailure}");
        }
    }
}
