using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 3: POST /api/touchpoints/batch, 500 realistic touchpoints per request for customers drawn at random (as a
/// posting service's buffer would hold them), from 1, 2 and 4 concurrent clients. The best of the three is the
/// figure the target compares with the COPY ceiling.
/// </summary>
internal sealed class HttpBatchPhase : IPhase
{
    public const int BatchSize = 500;
    public static readonly int[] ClientCounts = [1, 2, 4];

    public int Number => 3;

    public string Title => $"HTTP batch ingestion (POST /api/touchpoints/batch, {BatchSize} touchpoints per request)";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        var client = context.Service.Client;
        var batches = Math.Max(1, context.Options.Events / BatchSize);

        var warmUp = Bodies(context, "bw", context.Options.Quick ? 6 : 60, seed: 30);
        await context.WarmUpAsync(ClientCounts[^1], warmUp.Length, (i, token) => Post(warmUp[i], token));

        var measurements = new List<Measurement>();
        foreach (var clients in ClientCounts)
        {
            // Serialised before the clock starts, so the load generator spends its CPU on sending, not on JSON.
            var bodies = Bodies(context, $"b{clients}", batches, seed: 30 + clients);
            measurements.Add(await context.MeasureAsync(
                $"batch-{clients}", $"HTTP batch, {clients} client{(clients == 1 ? "" : "s")}", BatchSize,
                token => LoadRunner.RunAsync(clients, bodies.Length, context.Options.MeasurementTimeLimit, (i, t) => Post(bodies[i], t), token)));
        }

        return new PhaseReport(Number, Title, measurements);

        async Task Post(byte[] body, CancellationToken token)
        {
            await IngestionCalls.PostBatchAsync(client, body, BatchSize, token);
            context.CountAcknowledged(BatchSize);
        }
    }

    /// <summary>Batch bodies of random customers' touchpoints, serialised before any clock starts.</summary>
    internal static byte[][] Bodies(PhaseContext context, string tag, int count, int seed)
    {
        var random = new Random(seed);
        var mix = context.Mix;
        var bodies = new byte[count][];
        for (var b = 0; b < count; b++)
        {
            var items = new (string, Touchpoint)[BatchSize];
            for (var e = 0; e < BatchSize; e++)
            {
                items[e] = (mix.EventId(tag, b * BatchSize + e), mix.Next(random, mix.RandomCustomer(random)));
            }

            bodies[b] = TouchpointMix.BatchBody(items);
        }

        return bodies;
    }
}
