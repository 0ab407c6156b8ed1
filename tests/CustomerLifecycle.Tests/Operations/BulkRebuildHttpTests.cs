using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Lifecycle.Journeys.Rebuilding;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerLifecycle.Tests.Operations;

/// <summary>
/// The rebuild folds customer by customer into shadow tables and swaps them in. Whatever the live projection built
/// event by event (late facts, corrections, clock ticks, several currencies) must come out identical: documents,
/// their lifted columns and every mirror row.
/// </summary>
[Collection(AppFixtureGroup.Name)]
public class BulkRebuildHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient operate = app.ClientWithKey(TestKeys.Operate);
    private readonly HttpClient all = app.ClientWithKey(TestKeys.All);

    [Fact]
    public async Task A_rebuild_reproduces_documents_and_mirror_rows_exactly_and_the_live_projection_carries_on()
    {
        var now = DateTimeOffset.UtcNow;
        // 100 ns digits that a cast to timestamptz rounds (half to even) where a binary write would truncate.
        var tickEndings = new[] { 1234565, 1234575, 9999999, 5 };
        string At(int daysAgo)
        {
            var at = now.AddDays(-daysAgo);
            return at.AddTicks(-(at.UtcTicks % TimeSpan.TicksPerSecond) + tickEndings[daysAgo % tickEndings.Length]).ToString("O");
        }

        var customers = Enumerable.Range(0, 6).Select(_ => Json.NewId("rb")).ToArray();
        var channel = Json.NewId("ch");
        for (var i = 0; i < customers.Length; i++)
        {
            var c = customers[i];
            await Post(
                Json.Touchpoint("ad_clicked", c, new JsonObject { ["channel"] = channel }, occurredAt: At(500)),
                Json.Purchase(c, 10.5m + i, occurredAt: At(400 - i)),
                Json.Touchpoint("purchase_completed", c, new JsonObject { ["orderId"] = Json.NewId("o"), ["amount"] = 7.25m, ["currency"] = "USD" }, occurredAt: At(390)));
        }

        // A clock tick moves journeys through time-based rules, then late facts correct what was believed.
        await app.SweepAsync(now.AddSeconds(-5));
        await Post(Json.Purchase(customers[0], 99m, occurredAt: At(200)), Json.Purchase(customers[1], 5m, occurredAt: At(450)));
        await Post(Json.Touchpoint("refund_issued", customers[2], new JsonObject { ["orderId"] = "x", ["amount"] = 3.1m, ["currency"] = "EUR" }, occurredAt: At(100)));
        await app.WaitForProjectionsAsync();
        var before = await SnapshotAsync(customers);
        Assert.Equal(customers.Length, before["docs"].Count);
        Assert.NotEmpty(before["spells"]);
        Assert.NotEmpty(before["months"]);

        var purchasesOfLast = await PurchasesAsync(customers[^1]);

        Assert.Equal(HttpStatusCode.Accepted, (await operate.PostAsync("/api/projections/CustomerJourney/rebuild", null)).StatusCode);
        // Ingestion goes on during a rebuild: whichever side of the rebuild's mark this lands on, it must not be lost.
        await Post(Json.Purchase(customers[^1], 2m, occurredAt: At(2)));
        var rebuild = await WaitForRebuildAsync();

        Assert.Equal("completed", (string)rebuild["state"]!);
        // Its progress stays on it: the last step, and every customer counted at the start folded.
        Assert.Equal("swapping", (string)rebuild["progress"]!["step"]!);
        Assert.Equal((long)rebuild["progress"]!["customers"]!, (long)rebuild["progress"]!["customersDone"]!);
        Assert.True((long)rebuild["progress"]!["customers"]! >= customers.Length);
        await app.WaitForProjectionsAsync();
        Assert.Equal(purchasesOfLast + 1, await PurchasesAsync(customers[^1]));
        var after = await SnapshotAsync(customers[..^1]);
        before = Without(before, customers[^1]);
        foreach (var table in before.Keys)
        {
            Assert.Equal(string.Join("\n", before[table]), string.Join("\n", after[table]));
        }

        // The counts behind the population views were counted afresh from the new tables, and their triggers carry on.
        await KeptCounts.AssertEqualARecountAsync(app.ConnectionString);

        // The live projection resumes from the rebuild's mark: a new fact reaches the rebuilt document.
        var purchases = await PurchasesAsync(customers[3]);
        await Post(Json.Purchase(customers[3], 1m, occurredAt: At(1)));
        await app.WaitForProjectionsAsync();
        Assert.Equal(purchases + 1, await PurchasesAsync(customers[3]));
        await KeptCounts.AssertEqualARecountAsync(app.ConnectionString);
    }

    [Fact]
    public async Task Martens_own_rebuild_the_clis_reproduces_documents_mirror_rows_and_counts()
    {
        var now = DateTimeOffset.UtcNow;
        var customers = Enumerable.Range(0, 4).Select(_ => Json.NewId("mr")).ToArray();
        foreach (var (c, i) in customers.Select((c, i) => (c, i)))
        {
            await Post(
                Json.Touchpoint("ad_clicked", c, new JsonObject { ["channel"] = "search" }, occurredAt: now.AddDays(-300 - i).ToString("O")),
                Json.Purchase(c, 12.5m + i, occurredAt: now.AddDays(-200 + i).ToString("O")));
        }

        await app.SweepAsync(now.AddSeconds(-5));
        await Post(Json.Touchpoint("refund_issued", customers[0], new JsonObject { ["orderId"] = "x", ["amount"] = 2.25m, ["currency"] = "EUR" }, occurredAt: now.AddDays(-150).ToString("O")));
        await app.WaitForProjectionsAsync();
        var before = await SnapshotAsync(customers);

        // `projections rebuild` in the CLI: Marten deletes every journey (the delete trigger takes the mirrors along),
        // then replays the store through the projection a page at a time.
        using (var daemon = await app.Services.GetRequiredService<IDocumentStore>().BuildProjectionDaemonAsync())
        {
            await daemon.RebuildProjectionAsync("CustomerJourney", TimeSpan.FromMinutes(2), CancellationToken.None);
        }

        var after = await SnapshotAsync(customers);
        foreach (var table in before.Keys)
        {
            Assert.Equal(string.Join("\n", before[table]), string.Join("\n", after[table]));
        }

        await KeptCounts.AssertEqualARecountAsync(app.ConnectionString);
    }

    [Fact]
    public async Task A_pause_left_behind_by_a_dead_rebuild_is_lifted_and_the_projection_catches_up()
    {
        var customer = Json.NewId("rb");
        await Post(Json.Purchase(customer, occurredAt: DateTimeOffset.UtcNow.AddDays(-3).ToString("O")));
        await app.WaitForProjectionsAsync();
        var agents = app.Services.GetRequiredService<LiveProjectionAgents>();

        // The rebuild "dies" holding the pause: nothing resumes the agent.
        _ = await agents.PauseAsync(JourneyBulkRebuild.Shard, CancellationToken.None);
        await Post(Json.Purchase(customer, occurredAt: DateTimeOffset.UtcNow.AddDays(-2).ToString("O")));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await PurchasesAsync(customer));

        await app.Services.GetRequiredService<JourneyBulkRebuild>().RecoverAsync(CancellationToken.None);

        await app.WaitForProjectionsAsync();
        Assert.Equal(2, await PurchasesAsync(customer));
    }

    [Fact]
    public async Task The_first_start_on_journeys_of_the_unbounded_shape_rebuilds_them_once()
    {
        var customers = Enumerable.Range(0, 3).Select(_ => Json.NewId("up")).ToArray();
        foreach (var c in customers)
        {
            await Post(Json.Touchpoint("signed_up", c, new JsonObject { ["channel"] = "web" }), Json.Purchase(c, 12m));
        }

        await app.WaitForProjectionsAsync();
        var before = await SnapshotAsync(customers);
        var rebuild = app.Services.GetRequiredService<JourneyBulkRebuild>();
        Assert.False(await rebuild.UpgradeIfNeededAsync(CancellationToken.None));

        // A journey as the earlier versions stored it: the whole journal in the document.
        var dataSource = app.Services.GetRequiredService<NpgsqlDataSource>();
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await using (var claim = new NpgsqlCommand(CustomerLifecycle.Lifecycle.Journeys.JourneyWriter.ClaimSql, connection, transaction))
            {
                await claim.ExecuteNonQueryAsync();
            }

            await using var command = new NpgsqlCommand(
                "update customer_lifecycle.mt_doc_customerjourney set data = jsonb_build_object('id', id, 'journal', jsonb_build_object('facts', '[]'::jsonb)) where id = $1",
                connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customers[0] });
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }

        Assert.True(await rebuild.UpgradeIfNeededAsync(CancellationToken.None));
        await app.WaitForProjectionsAsync();
        var after = await SnapshotAsync(customers);
        foreach (var table in before.Keys)
        {
            Assert.Equal(string.Join("\n", before[table]), string.Join("\n", after[table]));
        }

        Assert.False(await rebuild.UpgradeIfNeededAsync(CancellationToken.None));
    }

    private async Task Post(params JsonNode[] touchpoints)
    {
        var response = await all.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<JsonObject> WaitForRebuildAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var report = await operate.GetFromJsonAsync<JsonObject>("/api/projections");
            var rebuild = report!["projections"]!.AsArray().Single(p => (string)p!["projection"]! == "CustomerJourney")!["rebuild"]!.AsObject();
            if ((string?)rebuild["state"] != "running" || DateTime.UtcNow > deadline)
            {
                return rebuild;
            }

            await Task.Delay(100);
        }
    }

    private static Dictionary<string, List<string>> Without(Dictionary<string, List<string>> snapshot, string customer) =>
        snapshot.ToDictionary(t => t.Key, t => t.Value.Where(row => !row.StartsWith("(" + customer + ",", StringComparison.Ordinal)).ToList());

    private async Task<int> PurchasesAsync(string customer)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand("select (data->'state'->'counters'->>'purchases')::int from customer_lifecycle.mt_doc_customerjourney where id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customer });
        return (int)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every stored value of these customers' journeys and mirror rows, as text, in a stable order.</summary>
    private async Task<Dictionary<string, List<string>>> SnapshotAsync(string[] customers)
    {
        const string schema = "customer_lifecycle";
        var queries = new Dictionary<string, string>
        {
            ["docs"] = $"select row(id, data, mt_dotnet_type, mt_version, stage, stage_since, next_due_at, last_activity_at, acquisition_channel, cohort)::text from {schema}.mt_doc_customerjourney where id = any($1) order by id",
            ["spells"] = $"select t::text from {schema}.cl_stage_spells t where customer_id = any($1) order by customer_id, ordinal",
            ["months"] = $"select t::text from {schema}.cl_customer_months t where customer_id = any($1) order by customer_id, month, currency",
            ["transitions"] = $"select t::text from {schema}.cl_transitions t where customer_id = any($1) order by customer_id, ordinal",
        };
        var result = new Dictionary<string, List<string>>();
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        foreach (var (name, sql) in queries)
        {
            await using var command = dataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = customers });
            await using var reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }

            result[name] = rows;
        }

        return result;
    }
}
