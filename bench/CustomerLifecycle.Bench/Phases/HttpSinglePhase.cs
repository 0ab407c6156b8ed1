using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 4: POST /api/touchpoints, one touchpoint per request and so one transaction per event, from 1, 16 and 64
/// concurrent clients; then the reference it is judged against, one INSERT + COMMIT per event on one connection.
/// Concurrency is what lets the service beat the reference: PostgreSQL flushes the WAL of many commits at once.
/// </summary>
internal sealed class HttpSinglePhase : IPhase
{
    public static readonly int[] ClientCounts = [1, 16, 64];

    public int Number => 4;

    public string Title => "HTTP single-event ingestion (POST /api/touchpoints) and one transaction per event";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        var client = context.Service.Client;
        var count = context.Options.SingleEvents;

        var warmUp = Bodies(context, "sw", context.Options.Quick ? 500 : 5_000, seed: 40);
        // As many clients as the largest measurement, so the service's connection pool is full before timing starts.
        await context.WarmUpAsync(ClientCounts[^1], warmUp.Length, (i, token) => Post(warmUp[i], token));

        var measurements = new List<Measurement>();
        foreach (var clients in ClientCounts)
        {
            var bodies = Bodies(context, $"s{clients}", count, seed: 40 + clients);
            measurements.Add(await context.MeasureAsync(
                $"single-{clients}", $"HTTP single, {clients} client{(clients == 1 ? "" : "s")}", 1,
                token => LoadRunner.RunAsync(clients, bodies.Length, context.Options.MeasurementTimeLimit, (i, t) => Post(bodies[i], t), token)));
        }

        measurements.Add(await OneTransactionPerEvent.MeasureAsync(context, count));
        return new PhaseReport(Number, Title, measurements);

        async Task Post(byte[] body, CancellationToken token)
        {
            await IngestionCalls.PostOneAsync(client, body, token);
            context.CountAcknowledged(1);
        }
    }

    private static byte[][] Bodies(PhaseContext context, string tag, int count, int seed)
    {
        var random = new Random(seed);
        var mix = context.Mix;
        var bodies = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            bodies[i] = TouchpointMix.SingleBody(mix.EventId(tag, i), mix.Next(random, mix.RandomCustomer(random)));
        }

        return bodies;
    }
}
