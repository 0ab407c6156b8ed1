using CustomerLifecycle.Bench.Measuring;
using CustomerLifecycle.Bench.Workload;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// Phase 1, the ceiling: binary COPY of event-shaped rows into a plain unindexed table, 500 rows per COPY, each COPY
/// its own transaction, from one connection of the bench process. No ledger, no stream versions, no indexes, no
/// HTTP: what this server can durably take in at the service's commit granularity.
/// </summary>
internal sealed class CopyCeilingPhase : IPhase
{
    public const int RowsPerCopy = 500;
    public const string Table = "bench_copy_ceiling";

    public int Number => 1;

    public string Title => $"COPY ceiling (binary COPY into a plain unindexed table, {RowsPerCopy} rows per transaction, 1 connection)";

    public async Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var ct = context.Cancellation;
        var dataSource = context.Database.DataSource;
        await EventRows.CreateTableAsync(dataSource, Table, ct);

        var copies = Math.Max(1, context.Options.Events / RowsPerCopy);
        var payloads = EventRows.PurchasePayloads(RowsPerCopy * 8, seed: 1);
        var customers = context.Mix.Customers;
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        async Task Copy(int copy, CancellationToken token)
        {
            await using var importer = await connection.BeginBinaryImportAsync($"copy {Table} ({EventRows.Columns}) from stdin (format binary)", token);
            var now = DateTimeOffset.UtcNow;
            for (var r = 0; r < RowsPerCopy; r++)
            {
                var n = copy * RowsPerCopy + r;
                await importer.StartRowAsync(token);
                await importer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, token);
                await importer.WriteAsync(TouchpointMix.CustomerId(n % customers), NpgsqlDbType.Text, token);
                await importer.WriteAsync((long)(n / customers) + 1, NpgsqlDbType.Bigint, token);
                await importer.WriteAsync(payloads[n % payloads.Length], NpgsqlDbType.Jsonb, token);
                await importer.WriteAsync("purchase_completed", NpgsqlDbType.Text, token);
                await importer.WriteAsync(now, NpgsqlDbType.TimestampTz, token);
            }

            await importer.CompleteAsync(token);
        }

        // The warm-up writes rows past the measured range; the table is a sink, its content is never read.
        await context.WarmUpAsync(1, 20, (i, token) => Copy(copies + i, token));
        var measurement = await context.MeasureAsync(
            "copy", "COPY ceiling", RowsPerCopy,
            token => LoadRunner.RunAsync(1, copies, context.Options.MeasurementTimeLimit, Copy, token));
        return new PhaseReport(Number, Title, [measurement]);
    }
}
