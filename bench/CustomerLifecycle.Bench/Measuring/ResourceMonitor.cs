using System.Diagnostics;
using Npgsql;

namespace CustomerLifecycle.Bench.Measuring;

/// <summary>What the machine did during one measurement: CPU by process group, the service's memory, and what the
/// database sessions were waiting on.</summary>
internal sealed record ResourceUsage(
    double WallSeconds,
    double ServiceCpu,
    double PostgresCpu,
    double BenchCpu,
    double MachineBusy,
    double MachineIoWait,
    double MachineSteal,
    double MachineCapacity,
    IReadOnlyList<(string Thread, double Seconds)> ServiceThreads,
    IReadOnlyList<(string Kind, double Seconds)> PostgresProcesses,
    long PeakRssKiB,
    long HwmKiB,
    double MeanBusySessions,
    IReadOnlyList<(string Wait, double Share)> Waits);

/// <summary>
/// Samples every 100 ms: the service's VmRSS/VmHWM, and pg_stat_activity of the bench database (what each session in a
/// transaction is doing: on CPU, waiting for the WAL flush, for a row lock, or idle waiting for the service). CPU times
/// are read at the start and end of each window, so they cover the window exactly.
/// </summary>
internal sealed class ResourceMonitor : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private int servicePid;
    private readonly int? postmasterPid;
    private readonly NpgsqlDataSource dataSource;
    private readonly List<Window> open = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    /// <param name="postmasterPid">The server's main process if it runs on this machine; its CPU is then measured too.</param>
    public ResourceMonitor(int servicePid, int? postmasterPid, NpgsqlDataSource dataSource)
    {
        this.servicePid = servicePid;
        this.postmasterPid = postmasterPid;
        this.dataSource = dataSource;
        loop = Task.Run(SampleAsync);
    }

    /// <summary>
    /// Samples a restarted service from now on. A window open across the restart counts the new process's CPU from
    /// its start; the old one's last moments (stopping) are not counted.
    /// </summary>
    public void FollowService(int pid)
    {
        lock (open)
        {
            servicePid = pid;
        }
    }

    public Window Begin()
    {
        var window = new Window(this, Snapshot.Take(servicePid, postmasterPid));
        lock (open)
        {
            open.Add(window);
        }

        return window;
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop.Token))
            {
                var memory = ProcFs.Memory(servicePid);
                var waits = await SampleWaitsAsync();
                lock (open)
                {
                    foreach (var window in open)
                    {
                        window.Observe(memory, waits);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    /// <summary>Client sessions of the bench database that are inside a transaction, by what they are doing right now.</summary>
    private async Task<List<(string, int)>> SampleWaitsAsync()
    {
        var waits = new List<(string, int)>();
        try
        {
            await using var command = dataSource.CreateCommand(
                """
                select case when state = 'active' then coalesce(wait_event_type || ':' || wait_event, 'CPU') else 'idle in transaction (waiting for the client)' end,
                       count(*)::int
                from pg_stat_activity
                where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'
                  and state in ('active', 'idle in transaction')
                group by 1
                """);
            await using var reader = await command.ExecuteReaderAsync(stop.Token);
            while (await reader.ReadAsync(stop.Token))
            {
                waits.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }
        catch (NpgsqlException)
        {
            // A missed sample; memory sampling must go on regardless.
        }

        return waits;
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await loop;
        stop.Dispose();
    }

    internal readonly record struct Snapshot(
        long Timestamp, int ServicePid, CpuTally Service, CpuTally Postgres, double Bench, (double Busy, double IoWait, double Steal, double Total) Machine)
    {
        public static Snapshot Take(int servicePid, int? postmasterPid) =>
            new(Stopwatch.GetTimestamp(), servicePid, ProcFs.ThreadCpu(servicePid), ProcFs.PostgresCpu(postmasterPid),
                ProcFs.TreeCpuSeconds(Environment.ProcessId, postmasterPid is { } postmaster ? [servicePid, postmaster] : [servicePid]), ProcFs.MachineCpuSeconds());
    }

    internal sealed class Window(ResourceMonitor monitor, Snapshot start)
    {
        private readonly Dictionary<string, int> waits = new(StringComparer.Ordinal);
        private long peakRss;
        private long hwm;
        private int samples;

        public void Observe((long RssKiB, long HwmKiB)? memory, List<(string Wait, int Sessions)> sample)
        {
            samples++;
            if (memory is { } m)
            {
                peakRss = Math.Max(peakRss, m.RssKiB);
                hwm = Math.Max(hwm, m.HwmKiB);
            }

            foreach (var (wait, sessions) in sample)
            {
                waits[wait] = waits.GetValueOrDefault(wait) + sessions;
            }
        }

        public ResourceUsage End()
        {
            var end = Snapshot.Take(monitor.servicePid, monitor.postmasterPid);
            lock (monitor.open)
            {
                monitor.open.Remove(this);
                // A window shorter than one sampling interval still gets one memory reading.
                if (samples == 0)
                {
                    Observe(ProcFs.Memory(monitor.servicePid), []);
                }
            }

            var total = Math.Max(1, waits.Values.Sum());
            var service = end.ServicePid == start.ServicePid ? start.Service : new CpuTally(0, []);
            var threads = end.Service.Since(service, "threads that ended");
            var postgres = end.Postgres.Since(start.Postgres, "processes that ended");
            return new ResourceUsage(
                Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds,
                end.Service.Total - service.Total,
                end.Postgres.Total - start.Postgres.Total,
                end.Bench - start.Bench,
                end.Machine.Busy - start.Machine.Busy,
                end.Machine.IoWait - start.Machine.IoWait,
                end.Machine.Steal - start.Machine.Steal,
                end.Machine.Total - start.Machine.Total,
                threads,
                postgres,
                peakRss,
                hwm,
                waits.Values.Sum() / (double)Math.Max(1, samples),
                waits.OrderByDescending(w => w.Value).Select(w => (w.Key, w.Value / (double)total)).ToList());
        }
    }
}
