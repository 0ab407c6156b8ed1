using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

/// <summary>
/// Stage distributions and cohort retention are read from counts kept with the mirror rows (per-day stage flows, cohort
/// activity and sizes), not from the spells and months themselves. These tests hold the counts to a recount of the
/// tables after every kind of change (spells opened, closed, rewritten by a late fact; months in two currencies,
/// refunds; journeys deleted), and the stage distribution to a direct count of the spells at instants chosen to sit
/// on every edge: the exact moments spells begin and end, a microsecond either side, and the midnights where whole
/// days stop and the instant's own day starts.
/// </summary>
[Collection(AppFixtureGroup.Name)]
public class PopulationCountsHttpTests(CustomerLifecycleApp app)
{
    private const string Schema = "customer_lifecycle";
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);

    [Fact]
    public async Task Distributions_from_the_flows_equal_counting_the_spells_at_every_edge()
    {
        var now = DateTimeOffset.UtcNow;
        string At(double daysAgo) => now.AddDays(-daysAgo).ToString("O");
        var channel = Json.NewId("ch");
        var customers = Enumerable.Range(0, 8).Select(_ => Json.NewId("fl")).ToArray();
        for (var i = 0; i < customers.Length; i++)
        {
            var c = customers[i];
            await Post(
                Json.Touchpoint("ad_clicked", c, new JsonObject { ["channel"] = channel }, occurredAt: At(300 + i)),
                Json.Purchase(c, 10m, occurredAt: At(250 - (i * 7.3))),
                Json.Purchase(c, 12m, occurredAt: At(240 - (i * 3.1))),
                Json.Touchpoint("purchase_completed", c, new JsonObject { ["orderId"] = Json.NewId("o"), ["amount"] = 4.5m, ["currency"] = "USD" }, occurredAt: At(240 - (i * 3.1))));
        }

        await app.SweepAsync(now.AddSeconds(-5));
        // Late facts rewrite timelines that were already counted; a refund and a further purchase move stages again.
        await Post(
            Json.Purchase(customers[0], 5m, occurredAt: At(150)),
            Json.Purchase(customers[1], 7m, occurredAt: At(299)),
            Json.Touchpoint("refund_issued", customers[2], new JsonObject { ["orderId"] = "x", ["amount"] = 3m, ["currency"] = "EUR" }, occurredAt: At(20)));
        await app.WaitForProjectionsAsync();

        // A journey deleted outright (as Marten's own rebuild does) takes its spells, and their counts, with it.
        await ExecuteAsync($"delete from {Schema}.{JourneyTables.DocumentTable} where id = $1", customers[^1]);
        await KeptCounts.AssertEqualARecountAsync(app.ConnectionString);

        var instants = new SortedSet<DateTimeOffset>();
        foreach (var edge in await EdgesAsync(channel))
        {
            var midnight = new DateTimeOffset(edge.UtcDateTime.Date, TimeSpan.Zero);
            instants.UnionWith([edge, edge.AddTicks(-10), edge.AddTicks(10), midnight, midnight.AddTicks(-10), midnight.AddDays(1)]);
        }

        Assert.True(instants.Count > 30, $"only {instants.Count} instants");
        var cohort = await ScalarAsync<string>($"select cohort from {Schema}.{JourneyTables.Spells} where channel = $1 and cohort is not null limit 1", channel);
        foreach (var instant in instants)
        {
            Assert.Equal(await CountSpellsAsync(instant, channel, null), await DistributionAsync(instant, channel, null));
            Assert.Equal(await CountSpellsAsync(instant, channel, cohort), await DistributionAsync(instant, channel, cohort));
        }

        // Unfiltered and now: the whole database as it stands.
        Assert.Equal(await CountSpellsAsync(instants.Max, null, null), await DistributionAsync(instants.Max, null, null));
        Assert.Equal(await CountSpellsAsync(null, null, null), await DistributionAsync(null, null, null));
        Assert.Equal(await CountSpellsAsync(null, channel, null), await DistributionAsync(null, channel, null));
        Assert.Equal(customers.Length - 1, (await DistributionAsync(null, channel, null)).Values.Sum());
    }

    [Fact]
    public async Task Pages_of_a_stage_walk_both_directions_of_every_sort_with_the_counted_total()
    {
        var channel = Json.NewId("ch");
        var now = DateTimeOffset.UtcNow;
        var customers = Enumerable.Range(0, 7).Select(_ => Json.NewId("pg")).ToArray();
        await Post([.. customers.Select((c, i) => (JsonNode)Json.Touchpoint("ad_clicked", c, new JsonObject { ["channel"] = channel }, occurredAt: now.AddDays(-10 - (i % 3)).ToString("O")))]);
        await app.WaitForProjectionsAsync();

        foreach (var (sort, order) in new[] { ("stageSince", "desc"), ("stageSince", "asc"), ("lastActivity", "desc"), ("customerId", "asc"), ("customerId", "desc") })
        {
            var seen = new List<string>();
            for (var offset = 0; offset < customers.Length; offset += 3)
            {
                var page = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages/prospect/customers?channel={channel}&sort={sort}&order={order}&offset={offset}&limit=3"))!;
                Assert.Equal(customers.Length, (long)page["total"]!);
                seen.AddRange(page["customers"]!.AsArray().Select(c => (string)c!["customerId"]!));
            }

            Assert.Equal(customers.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
            var expected = await ScalarAsync<string[]>(
                $"""
                 select array_agg(id order by {(sort switch { "stageSince" => "stage_since", "lastActivity" => "last_activity_at", _ => "id" })} {order}, id {order})
                 from {Schema}.{JourneyTables.DocumentTable} where acquisition_channel = $1
                 """, channel);
            Assert.Equal(expected, seen);
        }
    }

    [Fact]
    public async Task Journeys_carry_only_the_indexes_a_query_walks()
    {
        // Every index costs each journey write an entry, and the live projection rewrites a journey for nearly every
        // event: Marten's one-column indexes on the duplicated columns are removed, except the sweep's deadline.
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(
            $"select indexname from pg_indexes where schemaname = '{Schema}' and tablename = '{JourneyTables.DocumentTable}' order by indexname");
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            names.Add(reader.GetString(0));
        }

        Assert.Equal(
            [.. new[] { "ix_cl_journey_stage_activity", "ix_cl_journey_stage_id", "ix_cl_journey_stage_since", "mt_doc_customerjourney_idx_next_due_at", "pkey_mt_doc_customerjourney_id" }.Order(StringComparer.Ordinal)],
            names.Order(StringComparer.Ordinal));

        // Documents go to TOAST: kept inline, the table would be ten times larger for the queries that scan it.
        Assert.Equal(
            "- x",
            await ScalarAsync<string>(
                $"""
                 select coalesce(c.reloptions::text, '-') || ' ' || a.attstorage::text from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attname = 'data'
                 where c.oid = '{Schema}.{JourneyTables.DocumentTable}'::regclass
                 """, null));
    }

    [Fact]
    public async Task Journeys_written_by_anything_but_the_projection_are_refused_with_the_reason()
    {
        // The projection's writer keeps the mirror rows and counts; a journey stored any other way would leave them behind.
        var customer = Json.NewId("wr");
        await Post(Json.Purchase(customer, 10m, occurredAt: DateTimeOffset.UtcNow.AddDays(-1).ToString("O")));
        await app.WaitForProjectionsAsync();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using var session = store.LightweightSession();
        var journey = (await session.LoadAsync<CustomerJourney>(customer))!;
        session.Store(journey with { Facts = 99 });

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());

        Assert.Contains("written by the CustomerJourney projection only", refused.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, await ScalarAsync<int>($"select facts from {Schema}.{JourneyTables.DocumentTable} j, jsonb_to_record(j.data) as x(facts int) where id = $1", customer));
    }

    private async Task Post(params JsonNode[] touchpoints)
    {
        var response = await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<Dictionary<string, long>> DistributionAsync(DateTimeOffset? asOf, string? channel, string? cohort)
    {
        var query = string.Join("&", new[]
        {
            asOf is { } at ? $"asOf={Uri.EscapeDataString(at.ToString("O"))}" : null,
            channel is null ? null : $"channel={channel}",
            cohort is null ? null : $"cohort={cohort}",
        }.OfType<string>());
        var response = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages?{query}"))!;
        return response["stages"]!.AsArray().Where(s => (long)s!["customers"]! != 0).ToDictionary(s => (string)s!["stage"]!, s => (long)s!["customers"]!);
    }

    /// <summary>The definition itself: spells begun by the instant and not yet ended at it (now: every open spell).</summary>
    private async Task<Dictionary<string, long>> CountSpellsAsync(DateTimeOffset? asOf, string? channel, string? cohort)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(
            $"""
             select stage, count(*) from {Schema}.{JourneyTables.Spells}
             where ($1::timestamptz is null and left_at is null or entered_at <= $1 and (left_at is null or left_at > $1))
               and ($2::varchar is null or channel = $2) and ($3::varchar is null or cohort = $3)
             group by stage
             """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?> { TypedValue = asOf });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = cohort });
        var counts = new Dictionary<string, long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            // The API writes stages in snake case.
            var stage = Enum.Parse<CustomerLifecycle.Lifecycle.LifecycleStage>(reader.GetString(0));
            counts[System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(stage.ToString())] = reader.GetInt64(1);
        }

        return counts;
    }

    private async Task<List<DateTimeOffset>> EdgesAsync(string channel)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(
            $"select entered_at from {Schema}.{JourneyTables.Spells} where channel = $1 union select left_at from {Schema}.{JourneyTables.Spells} where channel = $1 and left_at is not null");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel });
        var edges = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            edges.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

        return edges;
    }

    private async Task ExecuteAsync(string sql, string? parameter)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        }

        await command.ExecuteNonQueryAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql, string? parameter)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        if (parameter is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parameter });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }
}
