using System.Text.Json;
using System.Text.Json.Serialization;
using CustomerLifecycle.Bench.Workload;
using Npgsql;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Plain, unindexed tables with an event's shape (id, stream key, version, jsonb payload, type, timestamp), for the
/// two reference figures that involve no event store at all: the COPY ceiling and one transaction per event.
/// </summary>
internal static class EventRows
{
    public const string Columns = "id, stream_key, version, data, type, ts";

    // As the store serialises events: camelCase, enums as strings, nulls left out.
    private static readonly JsonSerializerOptions StoreJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task CreateTableAsync(NpgsqlDataSource dataSource, string table, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"create table {table} (id uuid not null, stream_key text not null, version bigint not null, data jsonb not null, type text not null, ts timestamptz not null)");
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary><paramref name="count"/> purchase_completed payloads, the largest common touchpoint, serialised as the store would.</summary>
    public static string[] PurchasePayloads(int count, int seed)
    {
        var random = new Random(seed);
        var payloads = new string[count];
        for (var i = 0; i < count; i++)
        {
            var purchase = TouchpointMix.Purchase(random, TouchpointMix.CustomerId(i % 50_000), DateTimeOffset.UtcNow.AddSeconds(-random.Next(2_592_000)));
            payloads[i] = JsonSerializer.Serialize(purchase, StoreJson);
        }

        return payloads;
    }
}
