using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Operations;

/// <summary>
/// Three service processes on one PostgreSQL, the journey projection as three shards: Wolverine spreads the shards over
/// the nodes; when a node running shards is killed (SIGKILL, no goodbye) under load, its shards resume on the others
/// within 30 s, and in the end the read model agrees with the streams.
/// </summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Shards = 3;
    private static readonly TimeSpan Resumption = TimeSpan.FromSeconds(30);
    private readonly List<ServiceProcess> nodes = [];
    private string connectionString = "";

    public async Task InitializeAsync() => connectionString = await TestPostgres.CreateDatabaseAsync("cluster");

    public async Task DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }

        await TestPostgres.DropDatabaseAsync(connectionString);
    }

    [Fact]
    public async Task Shards_spread_over_three_nodes_and_move_when_one_is_killed()
    {
        var settings = new Dictionary<string, string>
        {
            ["Projections__JourneyShards"] = Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // The lifecycle sweep and CLV refits are not what this test is about.
            ["Lifecycle__SweepInterval"] = "01:00:00",
        };
        // One node first: it creates the schema, so the others do not race it.
        nodes.Add(await ServiceProcess.StartAsync(connectionString, settings));
        nodes.Add(await ServiceProcess.StartAsync(connectionString, settings));
        nodes.Add(await ServiceProcess.StartAsync(connectionString, settings));

        var placement = await WaitForAsync(async () =>
        {
            var running = await PlacementAsync(nodes);
            return running.Values.Sum(s => s.Count) == Shards && running.Count(r => r.Value.Count > 0) >= 2 ? running : null;
        }, TimeSpan.FromMinutes(2), "the shards to run on at least two of the three nodes");

        using var load = new CancellationTokenSource();
        var customers = Enumerable.Range(0, 60).Select(i => $"failover-{i}").ToArray();
        var posting = PostAsync(customers, load.Token);
        await Task.Delay(TimeSpan.FromSeconds(3));

        var victim = placement.First(p => p.Value.Count > 0).Key;
        var moved = placement[victim];
        await nodes[victim].KillAsync();
        var killedAt = Stopwatch.StartNew();
        var survivors = nodes.Where((_, i) => i != victim).ToList();

        await WaitForAsync(async () =>
        {
            var running = await PlacementAsync(survivors);
            return moved.All(shard => running.Values.Any(s => s.Contains(shard))) ? running : null;
        }, Resumption + TimeSpan.FromSeconds(15), $"the killed node's shards ({string.Join(", ", moved)}) to run on a surviving node");
        var resumedAfter = killedAt.Elapsed;
        output.WriteLine($"placement before the kill: {string.Join("; ", placement.Select(p => $"node {p.Key}: {string.Join(", ", p.Value)}"))}");
        output.WriteLine($"killed node {victim}; its shards ran elsewhere {resumedAfter.TotalSeconds:0.0} s later");

        await load.CancelAsync();
        var posted = await posting;
        Assert.True(posted > 0);
        var client = survivors[0].Client;
        await WaitForAsync(async () =>
        {
            var report = (await client.GetFromJsonAsync<JsonObject>("/api/projections"))!;
            return report["projections"]!.AsArray().All(p => (long)p!["lag"]! == 0) ? report : null;
        }, TimeSpan.FromMinutes(1), "every shard to catch up");

        // The killed node's append in flight leaves a sequence gap; the daemon's high-water mark waits at it
        // (StaleSequenceThreshold, 30 s) before the events after it are folded, so verify may first report them as
        // not yet folded. A difference that outlasts that wait is a real one.
        JsonObject? verify = null;
        var verifying = Stopwatch.StartNew();
        do
        {
            verify = await (await client.PostAsJsonAsync("/api/lifecycle/verify", new { limit = 5000 })).Content.ReadFromJsonAsync<JsonObject>();
            if (verify!["differences"]!.AsArray().Count == 0)
            {
                break;
            }

            await Task.Delay(1_000);
        }
        while (verifying.Elapsed < TimeSpan.FromSeconds(90));

        Assert.Equal(customers.Length, (int)verify!["checked"]!);
        Assert.True(verify["differences"]!.AsArray().Count == 0, $"verify after the fail-over: {verify["differences"]!.ToJsonString()}");
        Assert.True(resumedAfter <= Resumption, $"the shards resumed {resumedAfter.TotalSeconds:0} s after the kill");
    }

    /// <summary>Which journey shards each node says it runs.</summary>
    private static async Task<Dictionary<int, List<string>>> PlacementAsync(IReadOnlyList<ServiceProcess> candidates)
    {
        var placement = new Dictionary<int, List<string>>();
        foreach (var (node, i) in candidates.Select((n, i) => (n, i)))
        {
            try
            {
                var report = (await node.Client.GetFromJsonAsync<JsonObject>("/api/projections"))!;
                placement[i] = [.. report["projections"]!.AsArray().Where(p => (bool)p!["runningHere"]!).Select(p => (string)p!["projection"]!)];
            }
            catch (HttpRequestException)
            {
                placement[i] = [];
            }
        }

        // Indexes of the candidates list, mapped back by the caller where needed.
        return placement;
    }

    /// <summary>Posts small batches round-robin to the live nodes until cancelled; returns how many touchpoints were accepted.</summary>
    private async Task<int> PostAsync(string[] customers, CancellationToken stop)
    {
        var accepted = 0;
        var round = 0;
        while (!stop.IsCancellationRequested)
        {
            var node = nodes[round % nodes.Count];
            round++;
            if (node.HasExited)
            {
                continue;
            }

            var at = DateTimeOffset.UtcNow.ToString("O");
            var batch = Json.Batch([.. customers.Select(c => (JsonNode)Json.Purchase(c, 10m, Json.NewId("fo"), at))]);
            try
            {
                var response = await node.Client.PostAsJsonAsync("/api/touchpoints/batch", batch, CancellationToken.None);
                if (response.IsSuccessStatusCode)
                {
                    accepted += customers.Length;
                }
            }
            catch (HttpRequestException)
            {
                // The node was killed mid-request; the next round goes elsewhere.
            }

            await Task.Delay(200, CancellationToken.None);
        }

        return accepted;
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
        where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (waited.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.");
            }

            await Task.Delay(500);
        }
    }
}
