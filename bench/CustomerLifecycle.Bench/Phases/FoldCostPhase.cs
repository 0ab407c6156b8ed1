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
/// long. Each group's journeys are built first (the projection's own code, in the bench process, from events held in
/// memory); then pages of one new event per customer of the group go through the projection's page path
/// (<c>CustomerJourneyProjection.ApplyAsync</c>: load the page's journeys, fold, serialise, queue the writes) and commit,
/// as the daemon's batches do. A read side at constant cost per event shows the same rate for every group. The
/// stored size of each group's journeys is printed beside it. The customers exist only in these documents (no events
/// in the store) and are deleted at the end.
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
        var ct = context.Cancellation;
        using var store = MartenAppendPhase.ServiceLikeStore(context.Database.ConnectionString);
        await using var dataSource = NpgsqlDataSource.Create(context.Database.ConnectionString);
        var projection = new CustomerJourneyProjection(RuleSet.Default, dataSource);
        // Each measurement also stops at the run's time limit per measurement; a page is one operation.
        var rounds = context.Options.Quick ? 5 : 50;
        var sequence = 1_000_000_000_000L;
        var random = new Random(9);
        var prefix = context.Mix.RunPrefix + "-fold";
        var start = DateTimeOffset.UtcNow.AddYears(-3);

        IEvent Event(IDocumentSession session, string customer, int k)
        {
            // One event a minute (business time in order, as most arrive); the touchpoint kinds of the ingestion mix.
            var touchpoint = context.Mix.Next(random, customer) with { OccurredAt = start.AddMinutes(k) };
            var e = session.Events.BuildEvent(touchpoint);
            e.Id = Guid.NewGuid();
            e.Sequence = ++sequence;
            e.Timestamp = DateTimeOffset.UtcNow;
            e.StreamKey = customer;
            return e;
        }

        var measurements = new List<Measurement>();
        var sizes = new List<string>();
        try
        {
            foreach (var history in Histories)
            {
                var customers = Enumerable.Range(0, CustomersPerGroup)
                    .Select(c => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{history}-{c}")).ToArray();

                // The prior history, a few customers per transaction (a 10,000-event journey is megabytes of JSON today).
                foreach (var chunk in customers.Chunk(2))
                {
                    await using var session = store.LightweightSession();
                    var prior = chunk.SelectMany(c => Enumerable.Range(0, history).Select(k => Event(session, c, k))).ToList();
                    await projection.ApplyAsync(session, prior, ct);
                    await session.SaveChangesAsync(ct);
                }

                await using (var session = store.LightweightSession())
                {
                    var pages = Enumerable.Range(0, rounds + 1)
                        .Select(r => (IReadOnlyList<IEvent>)[.. customers.Select(c => Event(session, c, history + r))]).ToArray();
                    async Task Page(int i, CancellationToken token)
                    {
                        await using var page = store.LightweightSession();
                        await projection.ApplyAsync(page, pages[i], token);
                        await page.SaveChangesAsync(token);
                    }

                    await context.WarmUpAsync(1, 1, (i, token) => Page(rounds + i, token));
                    measurements.Add(await context.MeasureAsync(
                        $"fold-{history}", $"fold one event onto a journey of {history:N0} events", CustomersPerGroup,
                        token => LoadRunner.RunAsync(1, rounds, context.Options.MeasurementTimeLimit, Page, token),
                        async m => m with { Notes = [await SizeAsync(dataSource, customers, history, ct)] }));
                }

                sizes.Add(measurements[^1].Notes[0]);
            }
        }
        finally
        {
            // The delete trigger takes the journeys' mirror rows and counts with them.
            await using var delete = dataSource.CreateCommand($"delete from {StoreSetup.Schema}.{JourneyTables.DocumentTable} where id like $1");
            delete.Parameters.Add(new NpgsqlParameter<string> { TypedValue = prefix + "-%" });
            await delete.ExecuteNonQueryAsync(CancellationToken.None);
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
