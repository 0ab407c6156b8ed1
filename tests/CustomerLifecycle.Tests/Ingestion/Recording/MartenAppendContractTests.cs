using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Tests.Support;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerLifecycle.Tests.Ingestion.Recording;

/// <summary>
/// The contract our append path (<c>TouchpointAppender</c>, which writes mt_streams and mt_events itself) keeps with
/// Marten: the rows it writes are the rows Marten's own <c>Events.Append</c> writes for the same events, column by
/// column, and Marten reads, projects and rebuilds them the same way. Every column of both tables is compared, so a
/// Marten upgrade that adds a column, fills one differently or changes a format fails here instead of leaving a store
/// that Marten misreads.
/// </summary>
[Collection(AppFixtureGroup.Name)]
public class MartenAppendContractTests(CustomerLifecycleApp app)
{
    private const string Schema = "customer_lifecycle";

    /// <summary>Columns that name the row rather than describe the event: they differ between the two streams by design.</summary>
    private static readonly HashSet<string> Identity = ["seq_id", "id", "stream_id", "timestamp", "created"];

    [Fact]
    public async Task The_append_path_writes_every_column_of_mt_events_and_mt_streams_as_martens_own_append_does()
    {
        var (ours, martens) = await AppendTheSameHistoryBothWaysAsync();

        var ourEvents = await RowsAsync("mt_events", ours, "version");
        var martenEvents = await RowsAsync("mt_events", martens, "version");
        Assert.Equal(3, ourEvents.Count);
        Assert.Equal(martenEvents.Count, ourEvents.Count);
        for (var i = 0; i < ourEvents.Count; i++)
        {
            AssertSameRow(ourEvents[i], martenEvents[i], ours, martens);
        }

        var ourStream = await RowsAsync("mt_streams", ours, "id");
        var martenStream = await RowsAsync("mt_streams", martens, "id");
        AssertSameRow(Assert.Single(ourStream), Assert.Single(martenStream), ours, martens);
    }

    [Fact]
    public async Task Marten_reads_projects_and_rebuilds_what_the_append_path_wrote_as_it_does_its_own_appends()
    {
        var (ours, martens) = await AppendTheSameHistoryBothWaysAsync();
        var store = app.Services.GetRequiredService<IDocumentStore>();

        await using (var query = store.QuerySession())
        {
            var ourStream = await query.Events.FetchStreamAsync(ours);
            var martenStream = await query.Events.FetchStreamAsync(martens);
            Assert.Equal(3, ourStream.Count);
            Assert.Equal(
                martenStream.Select(e => (e.Version, e.EventTypeName, e.DotNetTypeName, Data: Normalised(e.Data, martens), Headers: string.Join(",", e.Headers!.OrderBy(h => h.Key)))),
                ourStream.Select(e => (e.Version, e.EventTypeName, e.DotNetTypeName, Data: Normalised(e.Data, ours), Headers: string.Join(",", e.Headers!.OrderBy(h => h.Key)))));
            Assert.All(ourStream, e => Assert.True(e.Sequence > 0));
            Assert.Equal(3, (await query.Events.FetchStreamStateAsync(ours))!.Version);
        }

        await app.WaitForProjectionsAsync();
        var projected = (Ours: await JourneyAsync(ours), Martens: await JourneyAsync(martens));
        Assert.Equal(Shape(projected.Martens), Shape(projected.Ours));
        Assert.Equal(2, projected.Ours.Purchases);

        using (var daemon = await store.BuildProjectionDaemonAsync())
        {
            await daemon.RebuildProjectionAsync(CustomerJourneyProjection.ProjectionName, TimeSpan.FromMinutes(2), CancellationToken.None);
        }

        Assert.Equal(Shape(projected.Ours), Shape(await JourneyAsync(ours)));
        Assert.Equal(Shape(projected.Martens), Shape(await JourneyAsync(martens)));
    }

    /// <summary>
    /// Posts three touchpoints for one customer through the HTTP API, then appends the same events (same types, data and
    /// headers) for another customer through a Marten session.
    /// </summary>
    private async Task<(string Ours, string Martens)> AppendTheSameHistoryBothWaysAsync()
    {
        var ours = Json.NewId("contract");
        var martens = Json.NewId("contract-marten");
        var now = DateTimeOffset.UtcNow;
        var client = app.ClientWithKey(TestKeys.All);
        var response = await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Touchpoint("ad_clicked", ours, new JsonObject { ["channel"] = "search", ["campaign"] = "spring" }, occurredAt: now.AddDays(-40).ToString("O")),
            Json.Purchase(ours, 12.5m, occurredAt: now.AddDays(-30).ToString("O")),
            Json.Purchase(ours, 7.25m, occurredAt: now.AddDays(-20).ToString("O"))));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());

        var store = app.Services.GetRequiredService<IDocumentStore>();
        IReadOnlyList<IEvent> written;
        await using (var query = store.QuerySession())
        {
            written = await query.Events.FetchStreamAsync(ours);
        }

        await using (var session = store.LightweightSession())
        {
            var events = written.Select(e =>
            {
                var copy = session.Events.BuildEvent(((Touchpoint)e.Data) with { CustomerId = martens });
                foreach (var (key, value) in e.Headers!)
                {
                    copy.SetHeader(key, value);
                }

                return copy;
            }).ToArray();
            session.Events.Append(martens, events);
            await session.SaveChangesAsync();
        }

        return (ours, martens);
    }

    private static void AssertSameRow(Dictionary<string, string?> ours, Dictionary<string, string?> martens, string ourStream, string martenStream)
    {
        Assert.Equal(martens.Keys.Order(), ours.Keys.Order());
        foreach (var (column, martenValue) in martens)
        {
            var ourValue = ours[column];
            if (Identity.Contains(column))
            {
                Assert.True((ourValue is null) == (martenValue is null), $"column {column}: ours '{ourValue}', Marten's '{martenValue}'");
                continue;
            }

            Assert.True(
                string.Equals(ourValue?.Replace(ourStream, "{customer}", StringComparison.Ordinal), martenValue?.Replace(martenStream, "{customer}", StringComparison.Ordinal), StringComparison.Ordinal),
                $"column {column}: ours '{ourValue}', Marten's '{martenValue}'");
        }
    }

    /// <summary>Every column of the stream's rows as text (PostgreSQL's own rendering), ordered by <paramref name="orderBy"/>.</summary>
    private async Task<List<Dictionary<string, string?>>> RowsAsync(string table, string stream, string orderBy)
    {
        var key = table == "mt_events" ? "stream_id" : "id";
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand(
            $"select (jsonb_each_text(to_jsonb(t))).* , t.{orderBy} as ord from {Schema}.{table} t where t.{key} = $1 order by t.{orderBy}");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = stream });
        var rows = new SortedDictionary<string, Dictionary<string, string?>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var ord = reader.GetValue(2).ToString()!.PadLeft(20, '0');
            if (!rows.TryGetValue(ord, out var row))
            {
                rows[ord] = row = [];
            }

            row[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return [.. rows.Values];
    }

    private static string Normalised(object data, string customer) =>
        System.Text.Json.JsonSerializer.Serialize(data, data.GetType()).Replace(customer, "{customer}", StringComparison.Ordinal);

    private async Task<CustomerJourney> JourneyAsync(string customer)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.LoadAsync<CustomerJourney>(customer))!;
    }

    /// <summary>What a journey says about its customer, without the ids of the events that caused it.</summary>
    private static string Shape(CustomerJourney journey) => string.Join("|",
        journey.Stage, journey.StageSince?.ToString("O"), journey.NextDueAt?.ToString("O"), journey.FirstSeenAt?.ToString("O"),
        journey.LastActivityAt?.ToString("O"), journey.AcquisitionChannel, journey.AcquisitionCampaign, journey.Cohort, journey.Purchases,
        journey.Spells, journey.Transitions, journey.Facts, journey.OpenSpell?.EnteredBy, journey.OpenSpell?.From.ToString("O"),
        string.Join(";", journey.LatestMonths.Select(m => $"{m.Month}:{m.Currency}:{m.Purchases}:{m.Revenue}")));
}
