using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using JasperFx;
using JasperFx.Events;
using Marten;
using Weasel.Core;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 2: Marten's own append path, in the bench process, batches of 500 events (one per customer) per
/// SaveChangesAsync, with a store configured like StoreSetup. It is what the service's hand-written COPY path
/// replaced, so it tells whether that path earns its keep.
/// </summary>
internal sealed class MartenAppendPhase : IPhase
{
    private const int BatchSize = 500;

    public int Number => 2;

    public string Title => $"Marten appends (session.Events.Append, {BatchSize} events to {BatchSize} customers per SaveChangesAsync, 1 session at a time)";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        using var store = DocumentStore.For(opts =>
        {
            // As in src/CustomerLifecycle/Infrastructure/Store/StoreSetup.cs; the service has already created the schema.
            opts.Connection(context.Database.ConnectionString);
            opts.DatabaseSchemaName = StoreSetup.Schema;
            opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
            opts.Events.StreamIdentity = StreamIdentity.AsString;
            opts.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
            opts.Events.MetadataConfig.HeadersEnabled = true;
            foreach (var (name, type) in TouchpointTypes.All)
            {
                opts.Events.MapEventType(type, name);
            }

            opts.AutoCreateSchemaObjects = AutoCreate.None;
        });

        var batches = Math.Max(1, context.Options.Events / BatchSize);
        var warmUps = 10;
        var random = new Random(2);
        var customers = context.Mix.Customers;
        // Built before timing: batch b holds events for customers b*500 … b*500+499 (mod the population).
        var events = new Touchpoint[batches + warmUps][];
        for (var b = 0; b < events.Length; b++)
        {
            events[b] = new Touchpoint[BatchSize];
            for (var e = 0; e < BatchSize; e++)
            {
                events[b][e] = context.Mix.Next(random, TouchpointMix.CustomerId((b * BatchSize + e) % customers));
            }
        }

        async Task Append(int batch, CancellationToken token)
        {
            await using var session = store.LightweightSession();
            foreach (var touchpoint in events[batch])
            {
                session.Events.Append(touchpoint.CustomerId, touchpoint);
            }

            await session.SaveChangesAsync(token);
        }

        await context.WarmUpAsync(1, warmUps, (i, token) => Append(batches + i, token));
        var measurement = await context.MeasureAsync(
            "marten", "Marten batched appends", BatchSize,
            token => LoadRunner.RunAsync(1, batches, context.Options.MeasurementTimeLimit, Append, token));
        return new PhaseReport(Number, Title, [measurement]);
    }
}
