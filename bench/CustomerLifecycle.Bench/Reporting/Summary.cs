using System.Globalization;
using System.Text;
using CustomerLifecycle.Bench.Phases;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Reporting;

/// <summary>
/// A figure set against another figure or against a target, judged when it has a target.
/// </summary>
/// <param name="Figures">How the value comes about, e.g. "14,332 / 67,607".</param>
/// <param name="From">The measurements it comes from: one that failed requests or was disturbed makes the verdict say so.</param>
/// <param name="AtMost">True when the value must stay at or below the target (a latency, memory), false when it must reach it (a rate).</param>
internal sealed record Ratio(string Name, string Figures, double Value, double? Target, IReadOnlyList<Measurement> From, bool AtMost = false)
{
    public static Ratio Between(string name, Measurement numerator, Measurement denominator, double? target) =>
        new(name, $"{Rate(numerator.EventsPerSecond)} / {Rate(denominator.EventsPerSecond)}", numerator.EventsPerSecond / denominator.EventsPerSecond,
            target, [numerator, denominator]);

    public string Verdict
    {
        get
        {
            if (From.Any(m => !m.Valid))
            {
                return "not judged: requests failed in a measurement";
            }

            if (Target is not { } target)
            {
                return "no target";
            }

            var pass = AtMost ? Value <= target : Value >= target;
            var verdict = string.Create(CultureInfo.InvariantCulture,
                $"{(pass ? "PASS" : "MISS")} by {Math.Abs(Value - target):0.00} ({(Value / target - 1) * 100:+0;-0} % against the target)");
            return From.Any(m => Disturbed(m.Usage))
                ? verdict + "; other programs disturbed a measurement, so not conclusive"
                : verdict;
        }
    }

    public string TargetText => Target is { } t ? string.Create(CultureInfo.InvariantCulture, $"{(AtMost ? "≤" : "≥")} {t:0.0#}") : "—";
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
            ratios.Add(Ratio.Between($"HTTP batch (best: {bestBatch.Key["batch-".Length..]} clients) ÷ COPY ceiling", bestBatch, copy, 0.5));
        }

        // The service keeps its own append path only while Marten's own (with the same ledger) is below 0.8 of it.
        var bestMarten = all.Where(m => m.Key.StartsWith("marten-", StringComparison.Ordinal)).MaxBy(m => m.EventsPerSecond);
        var bestOurs = all.Where(m => m.Key.StartsWith("appender-", StringComparison.Ordinal)).MaxBy(m => m.EventsPerSecond);
        if (bestMarten is not null && bestOurs is not null)
        {
            ratios.Add(Ratio.Between(
                $"Marten Events.Append + ledger (best: {bestMarten.Key["marten-".Length..]}) ÷ TouchpointAppender (best: {bestOurs.Key["appender-".Length..]}); below 0.8 keeps the custom path",
                bestMarten, bestOurs, null));
        }

        // Constant cost per event: one more event costs a long-lived customer what it costs a new one.
        if (Find("fold-10") is { } shortHistory && Find("fold-10000") is { } longHistory)
        {
            var cost = shortHistory.EventsPerSecond / longHistory.EventsPerSecond;
            ratios.Add(new Ratio(
                "Fold cost per event, 10,000-event ÷ 10-event histories", $"{Rate(shortHistory.EventsPerSecond)} / {Rate(longHistory.EventsPerSecond)}",
                cost, 1.5, [shortHistory, longHistory], AtMost: true));
        }

        if (bestMarten is not null && Find("copy") is { } copy2)
        {
            ratios.Add(Ratio.Between("Marten Events.Append + ledger ÷ COPY ceiling", bestMarten, copy2, null));
        }

        if (Find("single-64") is { } single && Find("one-tx") is { } oneTx)
        {
            ratios.Add(Ratio.Between("HTTP single @64 clients ÷ one transaction per event", single, oneTx, 5));
        }

        // The read side keeps up with the front door: what one shard folds against what HTTP batches take (phase 3's
        // best on an ingestion node; without phase 3, the maximum phase 5 measured with the daemon on the same host).
        var ingestion = bestBatch ?? Find("shared-batch-2");
        if (Find("catch-up-1") is { } oneShard && ingestion is not null)
        {
            ratios.Add(Ratio.Between($"Projection catch-up, 1 shard ÷ HTTP batch ({ingestion.Name})", oneShard, ingestion, 1));
            if (Find("catch-up-2") is { } twoShards)
            {
                ratios.Add(Ratio.Between($"Projection catch-up, 2 shards ÷ HTTP batch ({ingestion.Name})", twoShards, ingestion, 1));
                ratios.Add(Ratio.Between("Projection catch-up, 2 shards ÷ 1 shard (same host)", twoShards, oneShard, null));
            }
        }

        // Issue 5's absolute targets, each as the figure divided by its target (1.0 is the line).
        if (Find("lag") is { } lag)
        {
            var p99 = lag.Latencies.Percentile(99);
            ratios.Add(new Ratio("Projection lag p99 ÷ 1 s", $"{Ms(p99)} / 1 s", p99 / 1000, 1, [lag], AtMost: true));
        }

        // Not the issue's rate: half of what the projection folds alone, where it keeps up (what lag is when not overloaded).
        if (Find("lag-kept-up") is { } keptUp)
        {
            var p99 = keptUp.Latencies.Percentile(99);
            ratios.Add(new Ratio("Projection lag p99 at half the projection's own rate ÷ 1 s", $"{Ms(p99)} / 1 s", p99 / 1000, 1, [keptUp], AtMost: true));
        }

        foreach (var query in all.Where(m => m.Key.StartsWith("query-", StringComparison.Ordinal)))
        {
            var p99 = query.Latencies.Percentile(99);
            ratios.Add(new Ratio($"Query p99 ÷ 10 ms: {query.Name}", $"{Ms(p99)} / 10 ms", p99 / 10, 1, [query], AtMost: true));
        }

        if (Find("rebuild") is { } rebuild)
        {
            ratios.Add(new Ratio("Rebuild ÷ 50,000 events/s", $"{Rate(rebuild.EventsPerSecond)} / 50,000", rebuild.EventsPerSecond / 50_000, 1, [rebuild]));
        }

        var measured = phases.Where(p => p.Whole is not null && p.NotMeasured is null).ToList();
        if (measured.Count > 0)
        {
            var peak = measured.Max(p => p.Whole!.PeakRssKiB);
            ratios.Add(new Ratio("Peak service RSS (all phases) ÷ 1 GB", $"{Mb(peak)} / 1024 MB", peak / 1024.0 / 1024, 1, [], AtMost: true));
        }

        foreach (var phase in measured.Where(p => p.Idle is not null))
        {
            var (before, after, slack) = phase.Idle!.Value;
            ratios.Add(new Ratio(
                $"Idle RSS after the load ÷ (idle before + {Mb(slack)}), phase {phase.Number}", $"{Mb(after)} / {Mb(before + slack)}", (double)after / (before + slack), 1, [], AtMost: true));
        }

        return ratios;
    }

    public static void PrintRatios(IReadOnlyList<Ratio> ratios)
    {
        Console.WriteLine();
        Console.WriteLine("ratios");
        foreach (var r in ratios)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {r.Name}: {r.Figures} = {r.Value:0.00} (target {r.TargetText}): {r.Verdict}"));
        }
    }

    public static void PrintMemory(IReadOnlyList<PhaseReport> phases)
    {
        Console.WriteLine();
        Console.WriteLine("phase 8: peak service memory per phase (VmRSS sampled every 100 ms; VmHWM is the peak since the service started)");
        foreach (var p in phases.OrderBy(p => p.Number).Where(p => p.Whole is not null && p.NotMeasured is null))
        {
            Console.WriteLine($"  phase {p.Number}: peak RSS {Mb(p.Whole!.PeakRssKiB)}, VmHWM {Mb(p.Whole.HwmKiB)}");
        }
    }

    public static string Markdown(RunDescription run, IReadOnlyList<PhaseReport> phases, IReadOnlyList<Ratio> ratios, string storeCheck)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Benchmark, {run.Started:yyyy-MM-dd HH:mm} UTC");
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
        foreach (var p in phases.OrderBy(p => p.Number))
        {
            foreach (var m in p.Measurements)
            {
                var l = m.Latencies;
                var (count, rate) = m.CountsRequests
                    ? ($"{Count(m.Load.Operations)} requests", $"{Rate(m.Load.Operations / m.Load.Seconds)} req/s")
                    : (Count(m.Events), Rate(m.EventsPerSecond));
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {p.Number} | {m.Name}{(m.Load.Failures > 0 ? $" ({m.Load.Failures} failed)" : "")}{(Disturbed(m.Usage) ? " (disturbed by other programs)" : "")} | {count} | {rate} | {Ms(l.Percentile(50))} | {Ms(l.Percentile(99))} | {Unit(m)} |");
            }

            if (p.NotMeasured is not null)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Number} | {p.Title} | | | | | {p.NotMeasured} |");
            }
        }

        var notes = phases.OrderBy(p => p.Number).SelectMany(p => p.Measurements).Where(m => m.Notes.Count > 0).ToList();
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var m in notes)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {m.Name}: {string.Join("; ", m.Notes)}");
            }
        }

        md.AppendLine();
        md.AppendLine("| ratio | value | target | result |");
        md.AppendLine("| --- | ---: | ---: | --- |");
        foreach (var r in ratios)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Name} | {r.Figures} = {r.Value:0.00} | {r.TargetText} | {r.Verdict} |");
        }

        md.AppendLine();
        md.AppendLine("Where the time goes (CPU seconds per process group; database sessions sampled every 100 ms while in a transaction):");
        md.AppendLine();
        md.AppendLine("| measurement | wall | service CPU (busiest threads) | postgres CPU | bench CPU | others | iowait | sessions in a transaction | server | top statements (server time) |");
        md.AppendLine("| --- | ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |");
        foreach (var m in phases.OrderBy(p => p.Number).SelectMany(p => p.Measurements))
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
        foreach (var p in phases.OrderBy(p => p.Number).Where(p => p.Whole is not null && p.NotMeasured is null))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {p.Number}. {p.Title} | {Mb(p.Whole!.PeakRssKiB)} | {Mb(p.Whole.HwmKiB)} |");
        }

        return md.ToString();
    }
}

/// <summary>What was run where, for the summary's header.</summary>
internal sealed record RunDescription(DateTime Started, string Machine, string Server, string Command, string Load, string? Failure);
