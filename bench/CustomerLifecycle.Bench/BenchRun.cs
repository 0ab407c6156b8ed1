using System.Globalization;
using System.Runtime.InteropServices;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Phases;
using CustomerLifecycle.Bench.Reporting;
using CustomerLifecycle.Bench.Setup;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Bench;

/// <summary>One run: one PostgreSQL, one fresh database, the service as its own process, every phase in order.</summary>
internal static class BenchRun
{
    private static IPhase[] Phases() =>
    [
        new CopyCeilingPhase(),
        new MartenAppendPhase(),
        new HttpBatchPhase(),
        new HttpSinglePhase(),
        new NotMeasuredPhase(5, "projection lag", "a load driver for the CustomerJourney projection, not written yet (issue 5)"),
        new NotMeasuredPhase(6, "query latency at 1M customers / 10M events", "a 10M-event loader and query driver, not written yet (issue 5)"),
        new NotMeasuredPhase(7, "full projection rebuild", "a rebuild driver (POST /api/projections/CustomerJourney/rebuild), not written yet (issue 5)"),
    ];

    private static readonly Dictionary<string, string> IngestionNode = new(StringComparer.Ordinal) { ["Projections__RunOnThisNode"] = "false" };

    public static async Task RunAsync(BenchOptions options, CancellationToken ct)
    {
        var root = RepositoryRoot();
        var started = DateTime.UtcNow;
        var runPrefix = string.Create(CultureInfo.InvariantCulture, $"run{started:yyyyMMddHHmmss}{Random.Shared.Next(0x10000):x4}");
        var load = $"{Count(options.Events)} events per bulk measurement, {Count(options.SingleEvents)} per single-event measurement, "
                   + $"{Count(options.Customers)} customers, at most {options.MeasurementTimeLimit.TotalSeconds:0} s per measurement";
        Console.WriteLine($"CustomerLifecycle ingestion benchmark{(options.Quick ? " (--quick: a smoke run, not a result)" : "")}");
        Console.WriteLine($"machine: {Machine()}");
        Console.WriteLine($"load: {load}; event ids start with {runPrefix}");

        await using var database = await BenchDatabase.StartAsync(options, root, ct);
        Console.WriteLine($"server: {database.Settings}");
        Console.WriteLine($"database: {database.Name}{(database.HasStatementStatistics ? ", pg_stat_statements on" : ", no pg_stat_statements: per-statement times not shown")}"
                          + (database.PostmasterPid is { } postmaster ? $", postmaster pid {postmaster}" : ", server not on this machine: its CPU is not measured"));

        // Phases 1-4 measure ingestion on an ingestion node: projections run on other nodes in a deployment that
        // needs this rate, so their daemon does not share these two cores. Phase 5 measures them together.
        await using var service = await ServiceProcess.StartAsync(root, database.ConnectionString, ct, IngestionNode);
        await using var monitor = new ResourceMonitor(service.Pid, database.PostmasterPid, database.DataSource);
        var context = new PhaseContext(options, new TouchpointMix(runPrefix, options.Customers), database, service, monitor,
            new ServerProfile(database.DataSource, database.HasStatementStatistics), ct);

        var reports = new List<PhaseReport>();
        string? failure = null;
        foreach (var phase in Phases().Where(p => options.OnlyPhases.Count == 0 || options.OnlyPhases.Contains(p.Number)))
        {
            Console.WriteLine();
            Console.WriteLine($"phase {phase.Number}: {phase.Title}");
            var window = monitor.Begin();
            try
            {
                var report = await phase.RunAsync(context);
                reports.Add(report with { Whole = window.End() });
            }
            catch (BenchException e)
            {
                // Report what was measured before the failure; the run still ends in failure.
                failure = $"phase {phase.Number} failed: {e.Message}";
                Console.WriteLine(failure);
                break;
            }
        }

        var storeCheck = await StoreCheckAsync(context);
        Console.WriteLine();
        Console.WriteLine($"store check: {storeCheck}");
        var ratios = Summary.Ratios(reports);
        Summary.PrintRatios(ratios);
        Summary.PrintMemory(reports);

        var command = "bench/run" + (options.Quick ? " --quick" : "") + (options.Events is BenchOptions.DefaultEvents or BenchOptions.QuickEvents ? "" : $" --events {options.Events}")
                      + (options.Connection is null ? "" : " --connection …")
                      + (options.OnlyPhases.Count == 0 ? "" : " --only " + string.Join(',', options.OnlyPhases.Order()));
        var run = new RunDescription(started, Machine(), database.Settings.ToString(), command, load, failure);
        Console.WriteLine();
        Console.WriteLine("---- markdown summary (docs/performance.md) ----");
        Console.WriteLine();
        Console.Write(Summary.Markdown(run, reports, ratios, storeCheck));
        if (failure is not null)
        {
            throw new BenchException(failure);
        }
    }

    /// <summary>
    /// Every event the service acknowledged must be in its ledger and in mt_events (the service's events carry the
    /// client's event id in their headers; those Marten appended in phase 2 do not): a benchmark that loses writes measures nothing. Also compares the
    /// stored purchase payloads' size with the COPY ceiling's rows, which were made to match it.
    /// </summary>
    private static async Task<string> StoreCheckAsync(PhaseContext context)
    {
        var schema = StoreSetup.Schema;
        if (!context.Options.OnlyPhases.Contains(1) && context.Options.OnlyPhases.Count > 0)
        {
            await EventRows.CreateTableAsync(context.Database.DataSource, CopyCeilingPhase.Table, context.Cancellation);
        }

        await using var command = context.Database.DataSource.CreateCommand(
            $"""
             select (select count(*) from {schema}.{IngestionSchema.Ledger}),
                    (select count(*) filter (where headers ? 'clientEventId') from {schema}.mt_events),
                    (select count(*) filter (where not coalesce(headers ? 'clientEventId', false)) from {schema}.mt_events),
                    (select coalesce(avg(octet_length(data::text)), 0)::int from {schema}.mt_events where type = 'purchase_completed'),
                    (select coalesce(avg(octet_length(data::text)), 0)::int from {CopyCeilingPhase.Table})
             """);
        await using var reader = await command.ExecuteReaderAsync(context.Cancellation);
        await reader.ReadAsync(context.Cancellation);
        var (ledger, viaService, viaMarten, storedPurchase, copyPayload) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt32(4));
        var acknowledged = context.Acknowledged;
        var ok = ledger == acknowledged && viaService == acknowledged;
        return $"{(ok ? "OK" : "MISMATCH")}: {Count(acknowledged)} events acknowledged by the service, {Count(ledger)} in its ledger, "
               + $"{Count(viaService)} of its events in mt_events (plus {Count(viaMarten)} appended by Marten in phase 2); "
               + $"purchase_completed data {storedPurchase} B as stored vs {copyPayload} B in the COPY rows";
    }

    private static string Machine()
    {
        var memory = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        return $"{Environment.ProcessorCount} cores ({cpu}), {long.Parse(memory, CultureInfo.InvariantCulture) / 1024 / 1024.0:0} GB, {RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }

    private static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "CustomerLifecycle.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new BenchException($"CustomerLifecycle.sln not found above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
    }

    private static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
