using System.Globalization;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Phases;

namespace CustomerLifecycle.Bench.Reporting;

/// <summary>Prints each measurement as soon as it is taken, with where its time went.</summary>
internal static class ConsoleReport
{
    public static void Print(Measurement m)
    {
        var load = m.Load;
        var line = m.CountsRequests
            ? $"  {m.Name}: {Count(load.Operations)} requests in {load.Seconds:0.00} s = {Rate(load.Operations / load.Seconds)} requests/s"
            : $"  {m.Name}: {Count(m.Events)} events in {load.Seconds:0.00} s = {Rate(m.EventsPerSecond)} events/s";
        if (m.Latencies.Count > 0)
        {
            line += $" · {(m.LatencyOf is null ? "per " : "")}{Unit(m)}: p50 {Ms(m.Latencies.Percentile(50))}, p99 {Ms(m.Latencies.Percentile(99))}";
        }

        Console.WriteLine(line + (load.StoppedByTime ? " (stopped at the time limit)" : ""));
        foreach (var note in m.Notes)
        {
            Console.WriteLine($"    {note}");
        }

        if (Disturbed(m.Usage))
        {
            Console.WriteLine($"    DISTURBED: other programs used {Others(m.Usage):0.0} core-s of {m.Usage.MachineCapacity:0.0} meanwhile; repeat on a quiet machine");
        }

        if (load.Failures > 0)
        {
            Console.WriteLine($"    FAILED {load.Failures} of {load.Failures + load.Operations} requests; first: {load.FirstFailure}");
        }

        Console.WriteLine($"    cpu: {CpuSplit(m.Usage)}");
        if (m.Usage.ServiceThreads.Count > 0)
        {
            Console.WriteLine($"    service cpu by thread: {ServiceThreads(m.Usage, 4)}");
        }

        if (m.Usage.PostgresProcesses.Count > 0)
        {
            Console.WriteLine($"    postgres cpu by process: {string.Join(", ", m.Usage.PostgresProcesses.Take(4).Select(p => $"{p.Kind} {p.Seconds:0.0} s"))}");
        }

        Console.WriteLine($"    db sessions in a transaction: {Waits(m.Usage, 4)}");
        if (m.Server is { } server)
        {
            Console.WriteLine($"    server: {Activity(m, server)}");
        }

        if (m.Statements.Count > 0)
        {
            Console.WriteLine($"    server time by statement: {Statements(m, 4)}");
        }
    }

    public static string Unit(Measurement m) => m.Key switch
    {
        _ when m.LatencyOf is not null => m.LatencyOf,
        "copy" => "COPY of 500",
        _ when m.EventsPerOperation > 1 => $"batch of {m.EventsPerOperation}",
        "one-tx" => "INSERT+COMMIT",
        _ => "request",
    };

    /// <summary>Core-seconds by process group; "others" is whatever else ran on the machine meanwhile (a build, a test run).</summary>
    public static string CpuSplit(ResourceUsage u) =>
        $"service {u.ServiceCpu:0.0} s, postgres {u.PostgresCpu:0.0} s, bench {u.BenchCpu:0.0} s, others {Others(u):0.0} s"
        + $" of {u.MachineCapacity:0.0} core-s in {u.WallSeconds:0.0} s; machine busy {Share(u.MachineBusy, u)}, iowait {Share(u.MachineIoWait, u)}"
        + (u.MachineSteal > 0.01 * u.MachineCapacity ? $", stolen by the hypervisor {Share(u.MachineSteal, u)}" : "");

    public static double Others(ResourceUsage u) => Math.Max(0, u.MachineBusy - u.ServiceCpu - u.PostgresCpu - u.BenchCpu);

    /// <summary>True when other programs took more than a tenth of the machine: the figure is then not clean.</summary>
    public static bool Disturbed(ResourceUsage u) => Others(u) > 0.1 * u.MachineCapacity;

    public static string Share(double seconds, ResourceUsage u) => Percent(seconds / Math.Max(0.01, u.MachineCapacity));

    public static string ServiceThreads(ResourceUsage u, int top) =>
        string.Join(", ", u.ServiceThreads.Take(top).Select(t => $"{t.Thread.Trim()} {t.Seconds:0.0} s"));

    public static string Waits(ResourceUsage u, int top) =>
        u.Waits.Count == 0
            ? "none sampled"
            : $"{u.MeanBusySessions:0.0} on average; " + string.Join(", ", u.Waits.Take(top).Select(w => $"{w.Wait} {Percent(w.Share)}"));

    public static string Statements(Measurement m, int top) =>
        string.Join(" · ", m.Statements.Take(top).Select(s => $"{s.TotalMs / 1000:0.00} s {s.Statement} ({Count(s.Calls)} calls)"));

    /// <summary>
    /// Events per WAL flush is group commit at work (1 means every commit waited for a flush of its own); WAL and
    /// full-page images per event say what each write costs.
    /// </summary>
    public static string Activity(Measurement m, Measuring.ServerActivity a) =>
        $"{Count(a.WalFlushes)} WAL flushes ({(a.WalFlushes == 0 ? "-" : (m.Events / (double)a.WalFlushes).ToString("0.0", CultureInfo.InvariantCulture))} events per flush), "
        + $"WAL {a.WalBytes / 1024.0 / Math.Max(1, m.Events):0.00} KiB and {a.WalFullPageImages / (double)Math.Max(1, m.Events):0.00} full-page images per event, "
        + $"{a.SessionsOpened} connections opened";

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public static string Rate(double perSecond) => perSecond.ToString("N0", CultureInfo.InvariantCulture);

    public static string Ms(double ms) => ms switch
    {
        double.NaN => "—",
        < 10 => $"{ms:0.00} ms",
        < 10_000 => $"{ms:0} ms",
        _ => $"{ms / 1000:0.0} s",
    };

    public static string Percent(double share) => $"{share * 100:0}%";

    public static string Mb(long kib) => $"{kib / 1024.0:0} MB";
}
