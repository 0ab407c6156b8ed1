using System.Globalization;

namespace CustomerLifecycle.Bench.Measuring;

/// <summary>
/// The few numbers we read from Linux's /proc: a process's memory, and CPU time of the service, the PostgreSQL
/// processes and the whole machine. Cheap enough to read every 100 ms.
/// </summary>
internal static class ProcFs
{
    // USER_HZ: /proc reports CPU times in these ticks; it is 100 on every Linux architecture .NET runs on.
    private const double TicksPerSecond = 100;

    /// <summary>VmRSS and VmHWM (peak RSS since start) in KiB, or null once the process is gone.</summary>
    public static (long RssKiB, long HwmKiB)? Memory(int pid)
    {
        try
        {
            long rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = KiB(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = KiB(line);
                }
            }

            return (rss, hwm);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// VmRSS split into anonymous memory (heaps, stacks), mapped files (assemblies, libraries) and shared memory (where
    /// .NET keeps JIT-compiled code, mapped twice so that no page is writable and executable at once), in KiB.
    /// </summary>
    public static (long AnonKiB, long FileKiB, long SharedKiB) RssParts(int pid)
    {
        long anon = 0, file = 0, shared = 0;
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    anon = KiB(line);
                }
                else if (line.StartsWith("RssFile:", StringComparison.Ordinal))
                {
                    file = KiB(line);
                }
                else if (line.StartsWith("RssShmem:", StringComparison.Ordinal))
                {
                    shared = KiB(line);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return (anon, file, shared);
    }

    /// <summary>CPU seconds (user + system) a process has used so far.</summary>
    public static double CpuSeconds(int pid) => Stat(pid) is { } s ? (s.UserTicks + s.SystemTicks) / TicksPerSecond : 0;

    /// <summary>
    /// A process's CPU seconds, and per thread with the thread's name (.NET names its own: ".NET TP Worker",
    /// ".NET Server GC", ".NET Tiered Com", …), to tell request work from GC and JIT.
    /// </summary>
    public static CpuTally ThreadCpu(int pid)
    {
        var parts = new Dictionary<int, (string, double)>();
        try
        {
            foreach (var dir in Directory.EnumerateDirectories($"/proc/{pid}/task"))
            {
                if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var tid) && Stat(pid, tid) is { } thread)
                {
                    parts[tid] = (thread.Command.Trim(), (thread.UserTicks + thread.SystemTicks) / TicksPerSecond);
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // The process is gone.
        }

        return new CpuTally(CpuSeconds(pid), parts);
    }

    /// <summary>
    /// CPU seconds of one PostgreSQL server: the postmaster, its live children (client backends, walwriter,
    /// checkpointer, autovacuum workers, …) by kind, and what it collected from children that exited, so a closed
    /// connection's work is not lost. Other servers on the machine (a test run's) are not counted.
    /// </summary>
    public static CpuTally PostgresCpu(int? postmasterPid)
    {
        var parts = new Dictionary<int, (string, double)>();
        if (postmasterPid is not { } postmaster || Stat(postmaster) is not { } server)
        {
            return new CpuTally(0, parts);
        }

        var own = (server.UserTicks + server.SystemTicks) / TicksPerSecond;
        var total = own + (server.ChildUserTicks + server.ChildSystemTicks) / TicksPerSecond;
        parts[postmaster] = ("postmaster", own);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && Stat(pid) is { } child && child.ParentPid == postmaster)
            {
                var seconds = (child.UserTicks + child.SystemTicks) / TicksPerSecond;
                parts[pid] = (PostgresProcessKind(pid), seconds);
                total += seconds;
            }
        }

        return new CpuTally(total, parts);
    }

    /// <summary>From the process title: "postgres: walwriter" → walwriter; a client session's title names its client → backends.</summary>
    private static string PostgresProcessKind(int pid)
    {
        string title;
        try
        {
            title = File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "backends";
        }

        const string prefix = "postgres: ";
        if (!title.StartsWith(prefix, StringComparison.Ordinal) || title.Contains('(', StringComparison.Ordinal))
        {
            return "backends";
        }

        return title[prefix.Length..];
    }

    /// <summary>
    /// CPU seconds of a process and of its descendants (a browser the bench drives, with its helper processes), each
    /// descendant with what it collected from children that exited. The subtrees of <paramref name="excluded"/> (the
    /// service the bench started, a server) are left out: they are measured on their own.
    /// </summary>
    public static double TreeCpuSeconds(int root, IReadOnlyCollection<int> excluded)
    {
        var children = new Dictionary<int, List<int>>();
        var stats = new Dictionary<int, ProcessStat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                stats[pid] = stat;
                if (!children.TryGetValue(stat.ParentPid, out var list))
                {
                    children[stat.ParentPid] = list = [];
                }

                list.Add(pid);
            }
        }

        // The root's own time only: what it collected from exited children includes a replaced service's.
        var total = CpuSeconds(root);
        var pending = new Stack<int>(children.GetValueOrDefault(root) ?? []);
        while (pending.TryPop(out var pid))
        {
            if (excluded.Contains(pid) || !stats.TryGetValue(pid, out var stat))
            {
                continue;
            }

            total += (stat.UserTicks + stat.SystemTicks + stat.ChildUserTicks + stat.ChildSystemTicks) / TicksPerSecond;
            foreach (var child in children.GetValueOrDefault(pid) ?? [])
            {
                pending.Push(child);
            }
        }

        return total;
    }

    /// <summary>The parent of a process, or null if it is not on this machine.</summary>
    public static int? ParentOf(int pid) => Stat(pid)?.ParentPid;

    public static bool IsPostgres(int pid) => Stat(pid)?.Command == "postgres";

    /// <summary>Machine-wide CPU seconds: busy (user, system, interrupts), iowait, stolen by the hypervisor, and all.</summary>
    public static (double Busy, double IoWait, double Steal, double Total) MachineCpuSeconds()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        // user nice system idle iowait irq softirq steal (guest time is already inside user)
        var total = fields.Take(8).Sum();
        var (idle, ioWait, steal) = (fields[3], fields[4], fields[7]);
        return ((total - idle - ioWait - steal) / TicksPerSecond, ioWait / TicksPerSecond, steal / TicksPerSecond, total / TicksPerSecond);
    }

    private sealed record ProcessStat(string Command, int ParentPid, long UserTicks, long SystemTicks, long ChildUserTicks, long ChildSystemTicks);

    private static ProcessStat? Stat(int pid, int? thread = null)
    {
        string text;
        try
        {
            text = File.ReadAllText(thread is { } tid ? $"/proc/{pid}/task/{tid}/stat" : $"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid … utime stime cutime cstime …": comm may hold spaces and parentheses, so split after the last ')'.
        var open = text.IndexOf('(', StringComparison.Ordinal);
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return null;
        }

        var rest = text[(close + 2)..].Split(' ');
        long Field(int number) => long.Parse(rest[number - 3], CultureInfo.InvariantCulture); // rest[0] is field 3 (state)
        return new ProcessStat(text[(open + 1)..close], (int)Field(4), Field(14), Field(15), Field(16), Field(17));
    }

    private static long KiB(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}

/// <summary>CPU seconds of a process (or a server's processes) in total and per thread (or process) with its name.</summary>
internal sealed record CpuTally(double Total, Dictionary<int, (string Name, double Seconds)> Parts)
{
    /// <summary>
    /// The growth since <paramref name="start"/> by name, largest first. A thread or process that started in between
    /// counts from zero; the time of those that ended in between is only in the total, and shows as
    /// <paramref name="ended"/>.
    /// </summary>
    public List<(string Name, double Seconds)> Since(CpuTally start, string ended)
    {
        var byName = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (id, (name, seconds)) in Parts)
        {
            byName[name] = byName.GetValueOrDefault(name) + seconds - (start.Parts.TryGetValue(id, out var before) ? before.Seconds : 0);
        }

        var rest = Total - start.Total - byName.Values.Sum();
        if (rest > 0)
        {
            byName[ended] = rest;
        }

        return byName.Where(p => p.Value > 0.05).OrderByDescending(p => p.Value).Select(p => (p.Key, p.Value)).ToList();
    }
}
