using System.Globalization;
using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 9: what one more event costs the live projection for customers whose history is 10, 1,000 or 10,000 events
/// long. Each group's events are appended to the store (Marten's own append), its journeys built through the
/// projection's page path in the bench process; then pages of one new event per customer of the group go through the
/// same path (<c>CustomerJourneyProjection.ApplyAsync</c>: load the page's journeys, fold, serialise, queue the writes)
/// and commit, as the daemon's batches do. A read side at constant cost per event shows the same rate for every group.
/// The stored size of each group's journeys is printed beside it. The customers and their streams are deleted at the end.
/// </summary>
internal sealed class FoldCostPhase : IPhase
{
    public static readonly int[] Histories = [10, 1_000, 10_000];

    /// <summary>Customers per group, and so events per page: the same page shape for every history length.</summary>
    private const int CustomersPerGroup = 5;

    public int Number => 9;

    public string Title => $"Fold cost by history length: pages of one new event for each of {CustomersPerGroup} customers with 10, 1,000 or 10,000 prior events, through the live projection's page path";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        // The service's own projection would fold the phase's events before the measured pages do (they would then find
        // nothing to fold): it runs as an ingestion node meanwhile, with its other settings kept, and as before afterwards.
        var previous = context.ServiceSettings;
        await context.RestartServiceAsync(() => Task.CompletedTask, new Dictionary<string, string>(previous) { ["Projections__RunOnThisNode"] = "false" });
        try
        {
            return await MeasureAsync(context);
        }
        finally
        {
            await context.RestartServiceAsync(() => Task.CompletedTask, previous);
        }
    }

    private async Task<PhaseReport> MeasureAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        using var store = MartenAppendPhase.ServiceLikeStore(context.Database.ConnectionString);
        await using var dataSource = NpgsqlDataSource.Create(context.Database.ConnectionString);
        var projection = new CustomerJourneyProjection(RuleSet.Default, dataSource);
        // Each measurement also stops at the run's time limit per measurement; a page is one operation.
        var rounds = context.Options.Quick ? 5 : 50;
        var random = new Random(9);
        var prefix = context.Mix.RunPrefix + "-fold";
        var start = DateTimeOffset.UtcNow;

        async Task AppendAsync(IEnumerable<(string Customer, int K)> items, CancellationToken token)
        {
            await using var session = store.LightweightSession();
            foreach (var stream in items.GroupBy(i => i.Customer))
            {
                // One event a minute (business time in order, as most arrive); the touchpoint kinds of the ingestion mix.
                session.Events.Append(stream.Key, [.. stream.Select(i => (object)(context.Mix.Next(random, i.Customer) with { OccurredAt = start.AddMinutes(i.K) }))]);
            }

            await session.SaveChangesAsync(token);
        }

        async Task<List<IEvent>> StoredEventsAsync(string[] customers, CancellationToken token)
        {
            await using var query = store.QuerySession();
            var events = await query.Events.QueryAllRawEvents().Where(e => e.StreamKey!.IsOneOf(customers)).OrderBy(e => e.Sequence).ToListAsync(token);
            return [.. events];
        }

        var measurements = new List<Measurement>();
        var sizes = new List<string>();
        try
        {
            foreach (var history in Histories)
            {
                var customers = Enumerable.Range(0, CustomersPerGroup)
                    .Select(c => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{history}-{c}")).ToArray();
                // Business time ends just before now, as for events that arrive as they happen: a history that ended long
                // ago would have its inactivity deadlines passed on the first fold, and every new event would be late.
                start = DateTimeOffset.UtcNow.AddMinutes(-(history + rounds + 10));

                // The events go into the store (Marten's own append), so a refold would find the customer's stream as
                // the service's would: the prior history a few thousand at a time, then each measured page on its own.
                for (var k = 0; k < history; k += 2_000)
                {
                    await AppendAsync(customers.SelectMany(c => Enumerable.Range(k, Math.Min(2_000, history - k)).Select(i => (c, i))), ct);
                }

                for (var r = 0; r <= rounds; r++)
                {
                    await AppendAsync(customers.Select(c => (c, history + r)), ct);
                }

                var stored = await StoredEventsAsync(customers, ct);
                var prior = stored.Take(customers.Length * history).ToList();
                // The prior history through the projection's page path, in daemon-sized pages.
                foreach (var page in prior.Chunk(2_000))
                {
                    await using var session = store.LightweightSession();
                    await projection.ApplyAsync(session, page, ct);
                    await session.SaveChangesAsync(ct);
                }

                var pages = stored.Skip(prior.Count).Chunk(customers.Length).ToArray();
                async Task Page(int i, CancellationToken token)
                {
                    await using var page = store.LightweightSession();
                    await projection.ApplyAsync(page, pages[i], token);
                    await page.SaveChangesAsync(token);
                }

                // Pages in sequence order: the warm-up takes the first, the measurement the rest.
                var next = 0;
                await context.WarmUpAsync(1, 1, (_, token) => Page(next++, token));
                measurements.Add(await context.MeasureAsync(
                    $"fold-{history}", $"fold one event onto a journey of {history:N0} events", CustomersPerGroup,
                    token => LoadRunner.RunAsync(1, rounds, context.Options.MeasurementTimeLimit, (_, t) => Page(next++, t), token),
                    async m => m with { Notes = [await SizeAsync(dataSource, customers, history, ct)] }));

                sizes.Add(measurements[^1].Notes[0]);
            }
        }
        finally
        {
            // The delete trigger takes the journeys' transition and mirror rows and counts with them; the streams go too.
            foreach (var table in new[] { JourneyTables.DocumentTable, "mt_events", "mt_streams" })
            {
                var column = table == "mt_events" ? "stream_id" : "id";
                await using var delete = dataSource.CreateCommand($"delete from {StoreSetup.Schema}.{table} where {column} like $1");
                delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix + "-%" });
                await delete.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        foreach (var size in sizes)
        {
            Console.WriteLine($"    {size}");
        }

        return new PhaseReport(Number, Title, measurements);
    }

    private static async Task<string> SizeAsync(NpgsqlDataSource dataSource, string[] customers, int history, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             select percentile_cont(0.5) within group (order by pg_column_size(data)), percentile_cont(0.5) within group (order by octet_length(data::text))
             from {StoreSetup.Schema}.{JourneyTables.DocumentTable} where id = any($1)
             """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = customers });
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return string.Create(CultureInfo.InvariantCulture,
            $"journey of {history:N0}+ events: median {reader.GetDouble(0) / 1024:0.0} KiB stored (compressed), {reader.GetDouble(1) / 1024:0.0} KiB as JSON text");
    }
}
