using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Tests.Support;
using Npgsql;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

/// <summary>
/// The funnel is read from counts kept per first-seen day, with the edges of a window that cut a day counted from that
/// day's entrants. These tests hold it to counting the entrants' spells directly (the definition in lifecycle.md), for
/// windows whose edges fall on midnights, inside days, within one day and a microsecond either side of an entrant.
/// Counts must be equal; times to convert within the 2 % buckets' precision.
/// </summary>
[Collection(AppFixtureGroup.Name)]
public class FunnelFromCountsHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.Read);

    private static string At(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);

    [Fact]
    public async Task The_funnel_from_kept_counts_equals_counting_the_entrants_spells_for_windows_cut_anywhere()
    {
        var channel = Json.NewId("ch");
        var day0 = new DateTimeOffset(2024, 6, 10, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(7);
        var touchpoints = new List<JsonNode>();
        var firstSeen = new List<DateTimeOffset>();
        for (var i = 0; i < 40; i++)
        {
            var customer = Json.NewId("fc");
            var seen = day0.AddHours(random.Next(0, 24 * 5)).AddMinutes(random.Next(60));
            firstSeen.Add(seen);
            touchpoints.Add(Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: At(seen)));
            var at = seen;
            foreach (var step in new[] { "signed_up", "trial_started", "purchase", "purchase", "referral_made" }.Take(random.Next(0, 6)))
            {
                at = at.AddHours(random.Next(1, 24 * 6));
                touchpoints.Add(step switch
                {
                    "purchase" => Json.Purchase(customer, occurredAt: At(at)),
                    "referral_made" => Json.Touchpoint(step, customer, new JsonObject { ["referredCustomerId"] = Json.NewId("friend") }, occurredAt: At(at)),
                    _ => Json.Touchpoint(step, customer, [], occurredAt: At(at)),
                });
            }
        }

        var response = await app.ClientWithKey(TestKeys.Ingest).PostAsJsonAsync("/api/touchpoints/batch", Json.Batch([.. touchpoints]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();

        var entrant = firstSeen[3];
        (DateTimeOffset From, DateTimeOffset To)[] windows =
        [
            (day0, day0.AddDays(5)),
            (day0.AddHours(7.5), day0.AddDays(3).AddHours(13)),
            (day0.AddDays(1).AddHours(2), day0.AddDays(1).AddHours(20)),
            (entrant, entrant.AddTicks(10)),
            (entrant.AddTicks(10), day0.AddDays(4)),
            (day0.AddDays(-1), entrant),
        ];
        foreach (var (from, to) in windows)
        {
            var query = $"from={Uri.EscapeDataString(At(from))}&to={Uri.EscapeDataString(At(to))}&channel={channel}";
            var answer = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/funnel?{query}"))!;
            var steps = Assert.Single(answer["groups"]!.AsArray())!["steps"]!.AsArray();
            var expected = await CountFromSpellsAsync(from, to, channel);
            for (var n = 0; n < StageGroups.MainPath.Count; n++)
            {
                var step = steps[n]!;
                var (customers, passed, seconds) = expected.GetValueOrDefault(n + 1);
                Assert.True(customers == (long)step["customers"]!, $"{from:O}..{to:O} step {n + 1}: {(long)step["customers"]!} customers, {customers} by the spells");
                Assert.Equal(passed, (long)step["passedThrough"]!);
                if (seconds is null || customers == 0 || n == 0)
                {
                    Assert.Null(step["daysFromPreviousStep"]);
                    continue;
                }

                var days = step["daysFromPreviousStep"]!;
                foreach (var (name, i) in new[] { ("median", 0), ("p75", 1), ("p90", 2) })
                {
                    var exact = seconds[i] / 86_400;
                    Assert.InRange((double)(decimal)days[name]!, (exact * 0.99) - 0.051, (exact * 1.01) + 0.051);
                }
            }
        }
    }

    /// <summary>Per step: entrants who reached it, who passed through its stage, and the percentiles of their time from the previous step, counted from the spells.</summary>
    private async Task<Dictionary<int, (long Customers, long Passed, double[]? Seconds)>> CountFromSpellsAsync(DateTimeOffset from, DateTimeOffset to, string channel)
    {
        var mainPath = StageGroups.MainPath.Select(s => s.ToString()).ToArray();
        var reached = string.Join(", ", Enumerable.Range(1, mainPath.Length).Select(n => $"min(s.entered_at) filter (where p.position >= {n})"));
        var passed = string.Join(", ", Enumerable.Range(1, mainPath.Length).Select(n => $"coalesce(bool_or(p.position = {n}), false)"));
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(
            $"""
             with entrants as (
               select customer_id from customer_lifecycle.cl_stage_spells
               where ordinal = 1 and entered_at >= $1 and entered_at < $2 and channel = $3
             ),
             r as (
               select array[{reached}] as at, array[{passed}] as passed
               from entrants e join customer_lifecycle.cl_stage_spells s on s.customer_id = e.customer_id
               join unnest($4::varchar[]) with ordinality as p(stage, position) on p.stage = s.stage
               group by e.customer_id
             )
             select step.n, count(*), count(*) filter (where r.passed[step.n]),
                    percentile_cont(array[0.5, 0.75, 0.9]) within group (order by extract(epoch from r.at[step.n] - r.at[step.n - 1])::float8)
             from r cross join lateral generate_series(1, cardinality(r.at)) as step(n)
             where r.at[step.n] is not null
             group by step.n
             """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = from });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = to });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = channel });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = mainPath });
        var steps = new Dictionary<int, (long, long, double[]?)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            steps[reader.GetInt32(0)] = (reader.GetInt64(1), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetFieldValue<double[]>(3));
        }

        return steps;
    }
}
