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
    // Phase 7 runs before 6: it restores the large history and rebuilds the read models that 6 queries; 11 renders the
    // console's pages over the same read models and 6's CLV snapshot.
    private static IPhase[] Phases() =>
    [
        new CopyCeilingPhase(),
        new MartenAppendPhase(),
        new HttpBatchPhase(),
        new HttpSinglePhase(),
        new ProjectionLagPhase(),
        new RebuildPhase(),
        new QueryLatencyPhase(),
        new ConsoleRenderPhase(),
        new FoldCostPhase(),
        new MemoryBoundsPhase(),
    ];

    private static readonly Dictionary<string, string> IngestionNode = new(StringComparer.Ordinal) { ["Projections__RunOnThisNode"] = "false" };

    public static async Task RunAsync(BenchOptions options, CancellationToken ct)
    {
        var root = RepositoryRoot();
        var started = DateTime.UtcNow;
        var runPrefix = string.Create(CultureInfo.InvariantCulture, $"run{started:yyyyMMddHHmmss}{Random.Shared.Next(0x10000):x4}");
        var load = $"{Count(options.Events)} events per bulk measurement, {Count(options.SingleEvents)} per single-event measurement, "
                   + $"{Count(options.Customers)} customers, at most {options.MeasurementTimeLimit.TotalSeconds:0} s per measurement; "
                   + $"rebuild and queries over a history of {Count(options.LargeCustomers)} customers and {Count(options.LargeEvents)} touchpoints";
        Console.WriteLine($"CustomerLifecycle benchmark{(options.Quick ? " (--quick: a smoke run, not a result)" : "")}");
        Console.WriteLine($"machine: {Machine()}");
        Console.WriteLine($"load: {load}; event ids start with {runPrefix}");

        await using var database = await BenchDatabase.StartAsync(options, root, ct);
        if (options.KeepDatabase)
        {
            database.Keep();
        }

        Console.WriteLine($"server: {database.Settings}");
        Console.WriteLine($"database: {database.Name}{(database.HasStatementStatistics ? ", pg_stat_statements on" : ", no pg_stat_statements: per-statement times not shown")}"
                          + (database.PostmasterPid is { } postmaster ? $", postmaster pid {postmaster}" : ", server not on this machine: its CPU is not measured"));

        // Phases 1-4 measure ingestion on an ingestion node: a deployment that needs these rates runs its projections
        // on other nodes, so their daemon does not take these cores. From phase 5 on, one node does both.
        var service = await ServiceProcess.StartAsync(root, database.ConnectionString, ct, IngestionNode);
        var ingestionNode = true;
        await using var monitor = new ResourceMonitor(service.Pid, database.PostmasterPid, database.DataSource);
        await using var context = new PhaseContext(options, root, new TouchpointMix(runPrefix, options.Customers), database, service, monitor,
            new ServerProfile(database.DataSource, database.HasStatementStatistics), ct);

        var reports = new List<PhaseReport>();
        string? failure = null;
        foreach (var phase in Phases().Where(p => options.Only?.Contains(p.Number) ?? true))
        {
            Console.WriteLine();
            Console.WriteLine($"phase {phase.Number}: {phase.Title}");
            if (ingestionNode && phase.Number >= 5)
            {
                await context.RestartServiceAsync(() => Task.CompletedTask);
                ingestionNode = false;
                Console.WriteLine($"  service restarted as a full node (ingestion and projections): pid {context.Service.Pid}");
            }

            var window = monitor.Begin();
            try
            {
                var report = await phase.RunAsync(context) with { Whole = window.End() };
                reports.Add(report);
                context.Record(report);
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
                      + (options.LargeCustomers is BenchOptions.DefaultLargeCustomers or BenchOptions.DefaultLargeCustomers / 50 ? "" : $" --large-customers {options.LargeCustomers}")
                      + (options.LargeEvents is BenchOptions.DefaultLargeEvents or BenchOptions.DefaultLargeEvents / 50 ? "" : $" --large-events {options.LargeEvents}")
                      + (options.Only is null ? "" : $" --phases {string.Join(',', options.Only)}")
                      + (options.Connection is null ? "" : " --connection …");
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
    /// client's event id in their headers (phase 2's Marten appends too); the deadline events do not; the
    /// history phase 7 restored carries them too, but bypassed the ledger): a benchmark that loses writes measures
    /// nothing. Also compares the stored purchase payloads' size with the COPY ceiling's rows, which were made to match it.
    /// </summary>
    private static async Task<string> StoreCheckAsync(PhaseContext context)
    {
        var schema = StoreSetup.Schema;
        // The COPY ceiling's table exists only if phase 1 ran.
        var copyPayloadSql = context.Earlier.Any(p => p.Number == 1) ? "(select coalesce(avg(octet_length(data::text)), 0)::int from bench_copy_ceiling)" : "0";
        await using var command = context.Database.DataSource.CreateCommand(
            $"""
             select (select count(*) from {schema}.{IngestionSchema.Ledger}),
                    (select count(*) filter (where headers ? 'clientEventId') from {schema}.mt_events),
                    (select count(*) filter (where not coalesce(headers ? 'clientEventId', false)) from {schema}.mt_events),
                    (select coalesce(avg(octet_length(data::text)), 0)::int from (select data from {schema}.mt_events where type = 'purchase_completed' limit 100000) p),
                    {copyPayloadSql}
             """);
        command.CommandTimeout = 600;
        await using var reader = await command.ExecuteReaderAsync(context.Cancellation);
        await reader.ReadAsync(context.Cancellation);
        var (ledger, withClientId, withoutClientId, storedPurchase, copyPayload) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt32(4));
        var acknowledged = context.Acknowledged;
        var loadedTouchpoints = context.Loaded == 0 ? 0 : context.Loaded - context.LoadedWithoutClientId;
        var viaService = withClientId - loadedTouchpoints;
        var ok = ledger == acknowledged && viaService == acknowledged;
        return $"{(ok ? "OK" : "MISMATCH")}: {Count(acknowledged)} events acknowledged by the service, {Count(ledger)} in its ledger, "
               + $"{Count(viaService)} of its events in mt_events (plus {Count(loadedTouchpoints)} restored by phase 7 and {Count(withoutClientId)} without a client event id: the deadline events of the sweep and of phase 7's history); "
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
