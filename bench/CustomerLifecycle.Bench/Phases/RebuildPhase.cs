using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Setup;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle.Journeys;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 7: a full rebuild of the CustomerJourney projection (and with it the stage-spell and monthly-activity
/// mirrors) over a store of the large scale: first a history of many customers is restored into the event tables by
/// binary COPY while the service is stopped (bypassing HTTP, whose ingestion phases 3 and 4 measure), then the
/// service starts again and an operator's POST /api/projections/CustomerJourney/rebuild replays every event in the
/// store. Runs before phase 6, whose queries need the read models this builds.
/// </summary>
internal sealed class RebuildPhase : IPhase
{
    private static readonly TimeSpan RebuildTimeLimit = TimeSpan.FromHours(3);
    private static readonly Uri Projections = new("/api/projections", UriKind.Relative);

    public int Number => 7;

    public string Title => "full rebuild of the CustomerJourney projection (POST /api/projections/CustomerJourney/rebuild) over a restored history";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        var options = context.Options;
        var clock = Stopwatch.StartNew();
        var history = CustomerHistory.Generate("h-", options.LargeCustomers, options.LargeEvents, DateTimeOffset.UtcNow, seed: 7);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  history: {Count(history.Customers)} customers, {Count(history.Touchpoints)} touchpoints and {Count(history.DeadlineEvents)} deadline events over {history.From:yyyy-MM-dd} … {history.Now:yyyy-MM-dd}, generated in {clock.Elapsed.TotalSeconds:0.0} s"));

        HistoryLoad? load = null;
        MartenRebuildSample.Sample? marten = null;
        // The sweep stays off from here on: the history carries its own deadline events, and a sweep running during the
        // rebuild would record deadlines for journeys the rebuild has not reached yet (and phase 6 would measure queries beside a catch-up storm).
        await context.RestartServiceAsync(
            async () =>
            {
                load = await HistoryLoader.LoadAsync(context.Database.DataSource, history, line => Console.WriteLine($"  load: {line}"), ct);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  load: {Count(load.Events)} events by binary COPY into mt_events and mt_streams in {load.Seconds:0.0} s = {Rate(load.EventsPerSecond)} events/s (bypasses HTTP; service stopped)"));
                // Marten's own rebuild over the same store, for a fixed time, beside the bulk rebuild measured below.
                marten = await MartenRebuildSample.RunAsync(context.Database.ConnectionString, options.Quick ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(90), ct);
                Console.WriteLine($"  {MartenRebuildSample.Describe(marten)}");
            },
            // No scheduled CLV refit either: at start it would fit the whole restored store (13 min at 1M customers) on the
            // same two cores and distort the rebuild's figures; phase 6 requests the fit it needs itself.
            new Dictionary<string, string> { ["Lifecycle__SweepInterval"] = "00:00:00", ["Analytics__Clv__RefitInterval"] = "00:00:00" });
        context.Population = history.Population;
        context.CountLoaded(load!.Events, load.DeadlineEvents);

        // The live agent starts a few seconds after the service (leader election). A rebuild begun before it runs makes
        // it start from the rebuild's half-way progression and stop for good on the clash (see docs/performance.md).
        var (running, after) = await ProbeLiveProjectionAsync(context, "before-rebuild", TimeSpan.FromMinutes(2));
        if (!running)
        {
            throw new BenchException($"the live CustomerJourney projection did not start within 2 minutes of the restart (a probe batch was not projected)");
        }

        Console.WriteLine($"  live projection running again {after.TotalSeconds:0.0} s after the restart's probe batch was sent");
        var (events, highWater) = await StoreSizeAsync(context);
        var client = context.Service.Client;
        var statusCalls = new List<double>();
        string? state = null;
        string? error = null;
        var measurement = await context.MeasureAsync(
            "rebuild", "full rebuild of CustomerJourney", checked((int)events),
            async token =>
            {
                var started = Stopwatch.StartNew();
                using (var response = await client.PostAsync(new Uri("/api/projections/CustomerJourney/rebuild", UriKind.Relative), null, token))
                {
                    if (response.StatusCode != HttpStatusCode.Accepted)
                    {
                        throw new BenchException($"POST rebuild answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(token)}");
                    }
                }

                (state, error) = await WaitForRebuildAsync(context, highWater, statusCalls, started, token);
                var seconds = started.Elapsed.TotalSeconds;
                return new LoadResult(state == "completed" ? 1 : 0, state == "completed" ? 0 : 1, error ?? state, seconds, new Latencies([seconds * 1000]), false);
            },
            async m =>
            {
                var streams = await StreamsAsync(context);
                var readModel = await ReadModelAsync(context);
                return m with
                {
                    LatencyOf = "whole rebuild",
                    Notes =
                    [
                        string.Create(CultureInfo.InvariantCulture,
                            $"store: {Count(events)} events of {Count(streams)} streams, {Count(load.Events)} of them ({Count(load.Customers)} customers' history, {Count(load.DeadlineEvents)} deadline events) restored by binary COPY at {Rate(load.EventsPerSecond)} events/s in {load.Seconds:0} s, bypassing HTTP (ingestion is phases 3-4)"),
                        $"rebuild {state}{(error is null ? "" : ": " + error)}; GET /api/projections (polled near the end) took p50 {Ms(new Latencies([.. statusCalls]).Percentile(50))}",
                        .. readModel,
                    ],
                };
            });

        var (visible, within) = await ProbeLiveProjectionAsync(context, "after-rebuild", TimeSpan.FromSeconds(60));
        var live = visible
            ? $"live projection after the rebuild: a new batch was visible {within.TotalMilliseconds:0} ms after sending"
            : "LIVE PROJECTION STOPPED after the rebuild: a new batch was not projected within 60 s";
        Console.WriteLine($"    {live}");
        var bulkRate = state == "completed" ? measurement.EventsPerSecond : 0;
        var against = string.Create(CultureInfo.InvariantCulture,
            $"{MartenRebuildSample.Describe(marten!)}; the bulk rebuild {Rate(bulkRate)} events/s: Marten's is {(bulkRate > 0 ? marten!.EventsPerSecond / bulkRate : 0):0.00} × it, against the target of 50,000 events/s");
        Console.WriteLine($"    {against}");
        return new PhaseReport(Number, Title, [measurement with { Notes = [.. measurement.Notes, live, against] }]);
    }

    /// <summary>
    /// Follows the rebuild from the progression table (cheap), and asks the service for the rebuild's state only once it
    /// has reached the high-water mark (GET /api/projections counts the whole store each time), or every 30 s.
    /// </summary>
    private static async Task<(string State, string? Error)> WaitForRebuildAsync(
        PhaseContext context, long highWater, List<double> statusCalls, Stopwatch started, CancellationToken ct)
    {
        await using var progress = await ProjectionProgress.StartAsync(context.Database.DataSource, ct);
        var lastAsked = TimeSpan.Zero;
        var lastReport = TimeSpan.Zero;
        while (started.Elapsed < RebuildTimeLimit)
        {
            context.Service.EnsureRunning();
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            var processed = await ProcessedAsync(context, ct);
            if (started.Elapsed - lastReport > TimeSpan.FromSeconds(15))
            {
                lastReport = started.Elapsed;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    rebuild: through sequence {Count(processed)} of {Count(highWater)} after {started.Elapsed.TotalSeconds:0} s; service RSS {Mb(ProcFs.Memory(context.Service.Pid)?.RssKiB ?? 0)}"));
            }

            if (processed < highWater && started.Elapsed - lastAsked < TimeSpan.FromSeconds(30))
            {
                continue;
            }

            lastAsked = started.Elapsed;
            var asked = Stopwatch.StartNew();
            var report = await context.Service.Client.GetFromJsonAsync<JsonObject>(Projections, ct);
            statusCalls.Add(asked.Elapsed.TotalMilliseconds);
            var rebuild = report!["projections"]!.AsArray().Single(p => (string?)p!["projection"] == CustomerJourneyProjection.ProjectionName)!["rebuild"];
            var state = (string?)rebuild?["state"];
            if (state is "completed" or "failed")
            {
                return (state, (string?)rebuild?["error"]);
            }
        }

        return ("timed out", $"not finished after {RebuildTimeLimit.TotalHours:0} h");
    }

    private static async Task<long> ProcessedAsync(PhaseContext context, CancellationToken ct)
    {
        await using var command = context.Database.DataSource.CreateCommand(
            $"select coalesce((select last_seq_id from {StoreSetup.Schema}.mt_event_progression where name = $1), 0)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = ProjectionProgress.Shard });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<(long Events, long HighWater)> StoreSizeAsync(PhaseContext context)
    {
        await using var command = context.Database.DataSource.CreateCommand($"select count(*), coalesce(max(seq_id), 0) from {StoreSetup.Schema}.mt_events");
        command.CommandTimeout = 0; // statistics of the bench itself: a count over 10 million rows may take longer than the default 30 s
        await using var reader = await command.ExecuteReaderAsync(context.Cancellation);
        await reader.ReadAsync(context.Cancellation);
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task<long> StreamsAsync(PhaseContext context)
    {
        await using var command = context.Database.DataSource.CreateCommand($"select count(*) from {StoreSetup.Schema}.mt_streams");
        command.CommandTimeout = 0;
        return (long)(await command.ExecuteScalarAsync(context.Cancellation))!;
    }

    /// <summary>What the rebuild produced: journeys per stage, the mirrors' sizes, the largest documents.</summary>
    private static async Task<List<string>> ReadModelAsync(PhaseContext context)
    {
        var schema = StoreSetup.Schema;
        await using var command = context.Database.DataSource.CreateCommand(
            $"""
             select (select count(*) from {schema}.{JourneyTables.DocumentTable}),
                    (select count(*) from {schema}.{JourneyTables.Spells}),
                    (select count(*) from {schema}.{JourneyTables.Months}),
                    (select coalesce(avg(octet_length(data::text)), 0)::int from {schema}.{JourneyTables.DocumentTable} tablesample system (1) repeatable (7)),
                    (select coalesce(max(octet_length(data::text)), 0) from {schema}.{JourneyTables.DocumentTable} tablesample system (1) repeatable (7)),
                    pg_total_relation_size('{schema}.{JourneyTables.DocumentTable}'),
                    (select string_agg(stage || ' ' || n, ', ' order by n desc) from (select stage, count(*) n from {schema}.{JourneyTables.DocumentTable} group by stage) s),
                    (select coalesce(percentile_cont(0.5) within group (order by pg_column_size(data)), 0)::int from {schema}.{JourneyTables.DocumentTable} tablesample system (1) repeatable (7)),
                    (select coalesce(percentile_cont(0.5) within group (order by octet_length(data::text)), 0)::int from {schema}.{JourneyTables.DocumentTable} tablesample system (1) repeatable (7)),
                    (select count(*) from {schema}.{JourneyTables.Transitions})
             """);
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(context.Cancellation);
        await reader.ReadAsync(context.Cancellation);
        return
        [
            string.Create(CultureInfo.InvariantCulture,
                $"read model: {Count(reader.GetInt64(0))} journeys (documents {reader.GetInt32(3):N0} B on average, largest {reader.GetInt32(4):N0} B in a 1 % sample, table {reader.GetInt64(5) / 1024 / 1024:N0} MB), {Count(reader.GetInt64(1))} stage spells, {Count(reader.GetInt64(2))} customer-months"),
            $"journeys by stage: {(reader.IsDBNull(6) ? "none" : reader.GetString(6))}",
            string.Create(CultureInfo.InvariantCulture,
                $"journey state: median {reader.GetInt32(7):N0} B stored (compressed), {reader.GetInt32(8):N0} B as JSON text (1 % sample); {Count(reader.GetInt64(9))} transitions in the log"),
        ];
    }

    /// <summary>
    /// Posts a small batch and waits until the live projection has processed it: proof that the live agent runs (after
    /// a restart, and after a rebuild through the API, which must not leave it stopped).
    /// </summary>
    private static async Task<(bool Visible, TimeSpan After)> ProbeLiveProjectionAsync(PhaseContext context, string tag, TimeSpan timeout)
    {
        var ct = context.Cancellation;
        var random = new Random(tag.Length);
        var items = Enumerable.Range(0, 10).Select(i => (context.Mix.EventId(tag, i), (Touchpoint)context.Mix.Next(random, context.Mix.RandomCustomer(random)))).ToArray();
        await using var progress = await ProjectionProgress.StartAsync(context.Database.DataSource, ct);
        var sent = Stopwatch.StartNew();
        var sequences = await IngestionCalls.PostBatchForSequencesAsync(context.Service.Client, TouchpointMix.BatchBody(items), items.Length, ct);
        context.CountAcknowledged(items.Length);
        var visible = await progress.WaitForAsync(sequences.Max(), timeout, ct);
        return (visible, sent.Elapsed);
    }
}
