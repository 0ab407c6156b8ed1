using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using static CustomerLifecycle.Bench.Reporting.ConsoleReport;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 6: latency of the main read endpoints over the read models phase 7 rebuilt at the large scale. Each endpoint
/// gets a short warm-up, then requests one after another (one client: the latency of a request on an otherwise idle
/// service), with random customers, stages, dates and months. The churn-risk list needs a CLV snapshot, so a full CLV
/// fit over the restored history runs first (timed, not judged).
/// </summary>
internal sealed class QueryLatencyPhase : IPhase
{
    private static readonly string[] Stages = ["prospect", "engaged", "customer", "repeat_customer", "loyal", "advocate", "at_risk", "churned", "won_back"];
    private static readonly TimeSpan FitTimeLimit = TimeSpan.FromMinutes(30);

    public int Number => 6;

    public string Title => "query latency of the main read endpoints over the restored history (one client, sequential requests)";

    private sealed record Endpoint(string Key, string Name, Func<Random, string> Path);

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        if (context.Population is not { } population)
        {
            const string reason = "not measured — phase 7 restored no history to query";
            Console.WriteLine($"  {reason}");
            return new PhaseReport(Number, Title, [], reason);
        }

        var client = context.Service.Client;
        var fit = await FitClvAsync(context);
        Console.WriteLine($"  {fit.Note}");
        Console.WriteLine($"  {await SettleAsync(context)}");
        var days = (population.To - population.From).TotalDays;
        string Customer(Random r) => Uri.EscapeDataString(population.CustomerId(r.Next(population.Customers)));
        DateTimeOffset Day(Random r) => population.From.AddDays(r.Next(30, (int)days - 1)).UtcDateTime.Date;
        string Month(DateTimeOffset at) => at.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var firstCohort = population.From.AddMonths(1);
        Endpoint[] endpoints =
        [
            new("query-profile", "customer profile", r => $"/api/customers/{Customer(r)}/profile"),
            new("query-events", "customer events (first 100)", r => $"/api/customers/{Customer(r)}/events"),
            new("query-stages", "stage distribution now", _ => "/api/lifecycle/stages"),
            new("query-stages-asof", "stage distribution as of a date", r => $"/api/lifecycle/stages?asOf={Day(r):yyyy-MM-dd}T00:00:00Z"),
            new("query-in-stage", "customers in a stage (page of 50)", r => $"/api/lifecycle/stages/{Stages[r.Next(Stages.Length)]}/customers?offset={50 * r.Next(20)}&limit=50"),
            new("query-funnel", "funnel of one month's entrants", r => Funnel(Day(r))),
            // Reports are kept for up to 5 minutes (TimeInStageReports): the first line is what a dashboard gets, the
            // second what one measurement costs.
            new("query-time-in-stage", "time in stage (everyone, kept report)", _ => "/api/lifecycle/time-in-stage"),
            new("query-time-in-stage-fresh", "time in stage (everyone, measured for the request)", _ => "/api/lifecycle/time-in-stage?fresh=true"),
            new("query-cohorts", "cohort retention (12 cohorts)", _ => $"/api/lifecycle/cohorts/retention?from={Month(firstCohort)}&to={Month(firstCohort.AddMonths(11))}"),
            .. fit.Completed ? [new Endpoint("query-churn-risk", "churn-risk list (page of 50)", _ => "/api/analytics/churn-risk?limit=50")] : (Endpoint[])[],
        ];

        var requests = context.Options.Quick ? 20 : 200;
        var measurements = new List<Measurement>();
        foreach (var endpoint in endpoints)
        {
            var random = new Random(endpoint.Key.Length);
            var warmUp = Enumerable.Range(0, context.Options.Quick ? 2 : 5).Select(_ => endpoint.Path(random)).ToArray();
            try
            {
                await context.WarmUpAsync(1, warmUp.Length, (i, t) => GetAsync(client, warmUp[i], t));
            }
            catch (BenchException ex)
            {
                // One endpoint too slow for its timeout must not hide the others' figures: its failures are counted below.
                Console.WriteLine($"  {endpoint.Name}: {ex.Message}");
            }

            var paths = Enumerable.Range(0, requests).Select(_ => endpoint.Path(random)).ToArray();
            measurements.Add(await context.MeasureAsync(
                endpoint.Key, endpoint.Name, 0,
                token => LoadRunner.RunAsync(1, paths.Length, context.Options.MeasurementTimeLimit, (i, t) => GetAsync(client, paths[i], t), token),
                m => Task.FromResult(m with { Notes = [$"GET {endpoint.Path(new Random(1))} (random {Describe(endpoint.Key)}); max {Ms(m.Latencies.Max)}"] })));
        }

        if (measurements.Count > 0)
        {
            measurements[0] = measurements[0] with
            {
                Notes =
                [
                    .. measurements[0].Notes,
                    $"over {Count(population.Customers)} customers' journeys rebuilt in phase 7 (restored by COPY, not through HTTP); the lifecycle sweep is off",
                    fit.Note,
                ],
            };
        }

        return new PhaseReport(Number, Title, measurements);

        static string Funnel(DateTimeOffset day)
        {
            var from = new DateTimeOffset(day.Year, day.Month, 1, 0, 0, 0, TimeSpan.Zero);
            return $"/api/lifecycle/funnel?from={from:yyyy-MM-dd}&to={from.AddMonths(1):yyyy-MM-dd}";
        }
    }

    /// <summary>
    /// Vacuums and analyzes what phase 7 restored and rebuilt, as autovacuum would have long since in a running store.
    /// Without it autovacuum works through ten million fresh rows while the queries are measured (the 1M run of
    /// 2026-11-24 01:12 saw PostgreSQL busier than its statements, and every p99 above the previous run's).
    /// </summary>
    private static async Task<string> SettleAsync(PhaseContext context)
    {
        var clock = Stopwatch.StartNew();
        string[] tables = ["mt_events", "mt_streams", "mt_doc_customerjourney", "cl_stage_spells", "cl_customer_months", "cl_stage_flows", "cl_cohort_activity", "cl_cohort_sizes"];
        await using var command = context.Database.DataSource.CreateCommand(
            $"vacuum (analyze) {string.Join(", ", tables.Select(t => $"{StoreSetup.Schema}.{t}"))}");
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(context.Cancellation);
        return $"vacuumed and analyzed the restored history and read model in {clock.Elapsed.TotalSeconds:0} s before measuring";
    }

    private static string Describe(string key) => key switch
    {
        "query-profile" or "query-events" => "customer",
        "query-stages-asof" => "day",
        "query-in-stage" => "stage and page",
        "query-funnel" => "month",
        _ => "nothing: the same request",
    };

    private static async Task GetAsync(HttpClient client, string path, CancellationToken ct)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseContentRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            throw new HttpRequestException($"GET {path}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 300)]}");
        }

        await response.Content.LoadIntoBufferAsync(ct);
    }

    /// <summary>A full-scope CLV fit with the defaults, so the churn-risk list has a snapshot; its duration is reported, not judged.</summary>
    private static async Task<(bool Completed, string Note)> FitClvAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        var client = context.Service.Client;
        var started = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject(), ct);
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            return (false, $"CLV fit not started ({(int)response.StatusCode}): churn-risk list not measured");
        }

        var location = response.Headers.Location ?? throw new BenchException("the CLV fit's 202 has no Location");
        var peak = 0L;
        while (started.Elapsed < FitTimeLimit)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
            context.Service.EnsureRunning();
            peak = Math.Max(peak, ProcFs.Memory(context.Service.Pid)?.RssKiB ?? 0);
            var status = await client.GetFromJsonAsync<JsonObject>(location, ct);
            switch ((string?)status?["status"])
            {
                case "completed":
                    return (true, string.Create(CultureInfo.InvariantCulture, $"CLV fit over the whole store (for the churn-risk list) took {started.Elapsed.TotalSeconds:0.0} s, service RSS up to {Mb(peak)}"));
                case "failed":
                    return (false, $"CLV fit failed after {started.Elapsed.TotalSeconds:0} s ({(string?)status?["error"]}): churn-risk list not measured");
                // Finished without a snapshot the lists read by default (they take the newest completed fit).
                case "degraded" or "no_data":
                    return (false, $"CLV fit ended {(string?)status?["status"]} after {started.Elapsed.TotalSeconds:0} s ({string.Join(", ", status?["problems"]?.AsArray().Select(p => (string?)p?["code"]) ?? [])}): churn-risk list not measured");
            }
        }

        return (false, $"CLV fit not finished within {FitTimeLimit.TotalMinutes:0} min: churn-risk list not measured");
    }
}
