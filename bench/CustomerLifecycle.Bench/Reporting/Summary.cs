using System.Globalization;
using System.Text;
using CustomerLifecycle.Bench.Phases;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Reporting;

/// <summary>A ratio between two measured figures, judged against its target when it has one.</summary>
internal sealed record Ratio(string Name, Measurement Numerator, Measurement Denominator, double? Target)
{
    public double Value => Numerator.EventsPerSecond / Denominator.EventsPerSecond;

    public string Verdict
    {
        get
        {
            if (!Numerator.Valid || !Denominator.Valid)
            {
                return "not judged: requests failed in a measurement";
            }

            if (Target is not { } target)
            {
                return "no target";
            }

            var verdict = string.Create(CultureInfo.InvariantCulture,
                $"{(Value >= target ? "PASS" : "MISS")} by {Math.Abs(Value - target):0.00} ({(Value / target - 1) * 100:+0;-0} % against the target)");
            return Disturbed(Numerator.Usage) || Disturbed(Denominator.Usage)
                ? verdict + "; other programs disturbed a measurement, so not conclusive"
                : verdict;
        }
    }

    public string TargetText => Target is { } t ? $"≥ {t:0.0#}" : "—";
}

/// <summary>The end of the run: the ratios and their verdicts, phase 8's memory, and a markdown summary for docs/performance.md.</summary>
internal static class Summary
{
    public static IReadOnlyList<Ratio> Ratios(IReadOnlyList<PhaseReport> phases)
    {
        var all = phases.SelectMany(p => p.Measurements).ToList();
        Measurement? Find(string key) => all.FirstOrDefault(m => m.Key == key);
        var bestBatch = all.Where(m => m.Key.StartsWith("batch-", StringComparison.Ordinal)).MaxBy(m => m.EventsPerSecond);
        var ratios = new List<Ratio>();
        if (bestBatch is not null && Find("copy") is { } copy)
        {
            ratios.Add(new Ratio($"HTTP batch (best: {bestBatch.Key["batch-".Length..]} clients) ÷ COPY ceiling", bestBatch, copy, 0.5));
        }

        if (Find("marten") is { } marten && Find("copy") is { } copy2)
        {
            ratios.Add(new Ratio("Marten batched ÷ COPY ceiling", marten, copy2, null));
        }

        if (Find("single-64") is { } single && Find("one-tx") is { } oneTx)
        {
            ratios.Add(new Ratio("HTTP single @64 clients ÷ one transaction per event", single, oneTx, 5));
        }

        return ratios;
    }

    public static void PrintRatios(IReadOnlyList<Ratio> ratios)
    {
        Console.WriteLine();
        Console.WriteLine("ratios");
        foreach (var r in ratios)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Name}: {Rate(r.Numerator.EventsPerSecond)} / {Rate(r.Denominator.EventsPerSecond)} = {r.Value:0.00} (target {r.TargetText}): {r.Verdict}"));
        }
    }

    public static void PrintMemory(IReadOnlyList<PhaseReport> phases)
    {
        Console.WriteLine();
        Console.WriteLine("phase 8: peak service memory per phase (VmRSS sampled every 100 ms; VmHWM is the peak since the service started)");
        foreach (var p in phases.Where(p => p.Whole is not null && p.NotMeasured is null))
        {
            Console.WriteLine($"  phase {p.Number}: peak RSS {Mb(p.Whole!.PeakRssKiB)}, VmHWM {Mb(p.Whole.HwmKiB)}");
        }
    }

    public static string Markdown(RunDescription run, IReadOnlyList<PhaseReport> phases, IReadOnlyList<Ratio> ratios, string storeCheck)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Ingestion benchmark, {run.Started:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine();
        if (run.Failure is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"**Incomplete run**: {run.Failure}");
            md.AppendLine();
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"- machine: {run.Machine}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- server: {run.Server}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- command: `{run.Command}`: {run.Load}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- store check: {storeCheck}");
        md.AppendLine();
        md.AppendLine("| phase | measurement | events | events/s | p50 | p99 | latency of |");
        md.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | --- |");
        foreach (var p in phases)
        {
            foreach (var m in p.Measurements)
            {
                var l = m.Load.Latencies;
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {p.Number} | {m.Name}{(m.Load.Failures > 0 ? $" ({m.Load.Failures} failed)" : "")}{(Disturbed(m.Usage) ? " (disturbed by other programs)" : "")} | {Count(m.Events)} | {Rate(m.EventsPerSecond)} | {Ms(l.Percentile(50))} | {Ms(l.Percentile(99))} | {Unit(m)} |");
            }

            if (p.NotMeasured is not null)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Number} | {p.Title} | | | | | {p.NotMeasured} |");
            }
        }

        md.AppendLine();
        md.AppendLine("| ratio | value | target | result |");
        md.AppendLine("| --- | ---: | ---: | --- |");
        foreach (var r in ratios)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Value:0.00} | {r.TargetText} | {r.Verdict} |");
        }

        md.AppendLine();
        md.AppendLine("Where the time goes (CPU seconds per process group; database sessions sampled every 100 ms while in a transaction):");
        md.AppendLine();
        md.AppendLine("| measurement | wall | service CPU (busiest threads) | postgres CPU | bench CPU | others | iowait | sessions in a transaction | server | top statements (server time) |");
        md.AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |");
        foreach (var m in phases.SelectMany(p => p.Measurements))
        {
            var u = m.Usage;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {m.Name} | {u.WallSeconds:0.0} s | {u.ServiceCpu:0.0} s ({ServiceThreads(u, 2)}) | {u.PostgresCpu:0.0} s | {u.BenchCpu:0.0} s | {Others(u):0.0} s | {Share(u.MachineIoWait, u)} | {Waits(u, 3)} | {(m.Server is { } a ? Activity(m, a) : "")} | {Statements(m, 3).Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        md.AppendLine();
        md.AppendLine("Peak service memory per phase (phase 8):");
        md.AppendLine();
        md.AppendLine("| phase | peak RSS | VmHWM |");
        md.AppendLine("| --- | ---: | ---: |");
        foreach (var p in phases.Where(p => p.Whole is not null && p.NotMeasured is null))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Number}. {p.Title} | {Mb(p.Whole!.PeakRssKiB)} | {Mb(p.Whole.HwmKiB)} |");
        }

        return md.ToString();
    }
}

/// <summary>What was run where, for the summary's header.</summary>
internal sealed record RunDescription(DateTime Started, string Machine, string Server, string Command, string Load, string? Failure);
