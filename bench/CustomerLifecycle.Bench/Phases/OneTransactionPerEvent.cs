using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// The reference the single-event target is stated against ("about 3k events/s"): a loop in the bench process doing
/// one INSERT into a plain table and its COMMIT per event, on one connection. Each commit waits for its own WAL
/// flush, so this measures the server's fsync rate more than anything else.
/// </summary>
internal static class OneTransactionPerEvent
{
    private const string Table = "bench_one_tx";

    public static async Task<Measurement> MeasureAsync(PhaseContext context, int count)
    {
        var ct = context.Cancellation;
        var dataSource = context.Database.DataSource;
        await EventRows.CreateTableAsync(dataSource, Table, ct);
        var payloads = EventRows.PurchasePayloads(1_000, seed: 4);
        var customers = context.Mix.Customers;

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // Autocommit: the INSERT is its own transaction, committed (and flushed) before the server answers.
        await using var insert = new NpgsqlCommand($"insert into {Table} ({EventRows.Columns}) values ($1, $2, $3, $4, $5, $6)", connection)
        {
            Parameters =
            {
                new() { NpgsqlDbType = NpgsqlDbType.Uuid },
                new() { NpgsqlDbType = NpgsqlDbType.Text },
                new() { NpgsqlDbType = NpgsqlDbType.Bigint },
                new() { NpgsqlDbType = NpgsqlDbType.Jsonb },
                new() { NpgsqlDbType = NpgsqlDbType.Text },
                new() { NpgsqlDbType = NpgsqlDbType.TimestampTz },
            },
        };
        await insert.PrepareAsync(ct);

        async Task Insert(int n, CancellationToken token)
        {
            insert.Parameters[0].Value = Guid.CreateVersion7();
            insert.Parameters[1].Value = TouchpointMix.CustomerId(n % customers);
            insert.Parameters[2].Value = (long)(n / customers) + 1;
            insert.Parameters[3].Value = payloads[n % payloads.Length];
            insert.Parameters[4].Value = "purchase_completed";
            insert.Parameters[5].Value = DateTimeOffset.UtcNow;
            await insert.ExecuteNonQueryAsync(token);
        }

        await context.WarmUpAsync(1, 300, (i, token) => Insert(count + i, token));
        return await context.MeasureAsync(
            "one-tx", "one transaction per event (INSERT + COMMIT, 1 connection)", 1,
            token => LoadRunner.RunAsync(1, count, context.Options.MeasurementTimeLimit, Insert, token));
    }
}
