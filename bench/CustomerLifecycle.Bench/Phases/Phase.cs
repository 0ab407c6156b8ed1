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
/// <param name="EventsPerOperation">500 for a batch, 1 for a single event: latencies are per operation. 0 for a
/// measurement of read requests, which counts requests instead of events.</param>
internal sealed record Measurement(
    string Key, string Name, LoadResult Load, int EventsPerOperation, ResourceUsage Usage, IReadOnlyList<StatementCost> Statements, ServerActivity? Server)
{
    public long Events => (long)Load.Operations * EventsPerOperation;

    public double EventsPerSecond => Events / Load.Seconds;

    public bool CountsRequests => EventsPerOperation == 0;

    /// <summary>A measurement in which requests failed is printed but not judged.</summary>
    public bool Valid => Load.Failures == 0;

    /// <summary>The figures shown as p50/p99: the operations' own latencies, unless the measurement is about another delay (projection lag).</summary>
    public Latencies Latencies { get; init; } = Load.Latencies;

    /// <summary>What <see cref="Latencies"/> measure, when not the operations themselves.</summary>
    public string? LatencyOf { get; init; }

    /// <summary>Further figures of the measurement, one line each (printed, and kept in the markdown summary).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

internal sealed record PhaseReport(int Number, string Title, IReadOnlyList<Measurement> Measurements, string? NotMeasured = null)
{
    /// <summary>The whole phase, warm-up included: its peak service memory is phase 8's figure.</summary>
    public ResourceUsage? Whole { get; init; }

    /// <summary>The service's idle RSS before the phase's load and once it has settled afterwards, with the allowed rise (KiB).</summary>
    public (long BeforeKiB, long AfterKiB, long SlackKiB)? Idle { get; init; }
}

/// <summary>Everything a phase needs, and the one way to take a measurement so that all are taken alike.</summary>
internal sealed class PhaseContext(
    BenchOptions options, string repositoryRoot, TouchpointMix mix, BenchDatabase database, ServiceProcess service, ResourceMonitor monitor, ServerProfile server,
    CancellationToken ct) : IAsyncDisposable
{
    private readonly List<PhaseReport> earlier = [];
    private bool serviceStopped;
    private long acknowledged;

    public BenchOptions Options => options;

    public TouchpointMix Mix => mix;

    public BenchDatabase Database => database;

    /// <summary>The settings the running service was last restarted with, on top of the bench's own (<see cref="RestartServiceAsync"/>).</summary>
    public IReadOnlyDictionary<string, string> ServiceSettings { get; private set; } = new Dictionary<string, string>();

    /// <summary>The running service; replaced when a phase restarts it (<see cref="RestartServiceAsync"/>).</summary>
    public ServiceProcess Service { get; private set; } = service;

    public CancellationToken Cancellation => ct;

    /// <summary>Events the service acknowledged (warm-ups included), to check against what the store holds at the end.</summary>
    public long Acknowledged => Interlocked.Read(ref acknowledged);

    /// <summary>Events written into the store by the bench itself, bypassing the service (phase 7's history load).</summary>
    public long Loaded { get; private set; }

    /// <summary>Of <see cref="Loaded"/>, the events without a client event id (deadline events).</summary>
    public long LoadedWithoutClientId { get; private set; }

    /// <summary>The customers whose history phase 7 restored (phase 6 queries them); null until then.</summary>
    public Population? Population { get; set; }

    /// <summary>The reports of the phases run so far, for phases that build on an earlier figure.</summary>
    public IReadOnlyList<PhaseReport> Earlier => earlier;

    public void CountAcknowledged(int events) => Interlocked.Add(ref acknowledged, events);

    public void CountLoaded(long events, long withoutClientId)
    {
        Loaded += events;
        LoadedWithoutClientId += withoutClientId;
    }

    public void Record(PhaseReport report) => earlier.Add(report);

    /// <summary>
    /// Stops the service, runs <paramref name="whileStopped"/> (nothing of the service's runs meanwhile: no projection
    /// daemon, no sweep) and starts it again, with <paramref name="settings"/> on top of the bench's. The resource
    /// monitor follows the new process.
    /// </summary>
    public async Task RestartServiceAsync(Func<Task> whileStopped, IReadOnlyDictionary<string, string>? settings = null)
    {
        ServiceSettings = settings ?? new Dictionary<string, string>();
        serviceStopped = true;
        await Service.DisposeAsync();
        await whileStopped();
        Service = await ServiceProcess.StartAsync(repositoryRoot, database.ConnectionString, ct, settings);
        serviceStopped = false;
        monitor.FollowService(Service.Pid);
    }

    /// <summary>Stops the service (the context owns it, as it may have replaced it).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!serviceStopped)
        {
            serviceStopped = true;
            await Service.DisposeAsync();
        }
    }

    /// <summary>
    /// Reads the server's counters, opens a resource window, runs the load, reads the counters again and prints the
    /// result with where the time went.
    /// </summary>
    /// <param name="annotate">Adds what only the phase knows (another latency, notes) before the measurement is printed.</param>
    public async Task<Measurement> MeasureAsync(
        string key, string name, int eventsPerOperation, Func<CancellationToken, Task<LoadResult>> load, Func<Measurement, Task<Measurement>>? annotate = null)
    {
        var running = Service;
        running.EnsureRunning();
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
        running.EnsureRunning();
        var (activity, statements) = await server.EndAsync(before, settle, ct);
        var measurement = new Measurement(key, name, result, eventsPerOperation, usage, statements, activity);
        if (annotate is not null)
        {
            measurement = await annotate(measurement);
        }

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
