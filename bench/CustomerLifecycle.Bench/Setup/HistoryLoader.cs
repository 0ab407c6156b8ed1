using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using CustomerLifecycle.Bench.Workload;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Journeys;
using Npgsql;
using NpgsqlTypes;
using Weasel.Core;

namespace CustomerLifecycle.Bench.Setup;

/// <summary>What the history load wrote and how long it took.</summary>
internal sealed record HistoryLoad(long Events, int Customers, int DeadlineEvents, long FirstSequence, long LastSequence, double Seconds)
{
    public double EventsPerSecond => Events / Seconds;
}

/// <summary>
/// Writes a <see cref="CustomerHistory"/> straight into Marten's tables by binary COPY, in exactly the format the
/// service's append path writes (TouchpointAppender): sequence numbers from mt_events_sequence, gapless versions per
/// stream, the data serialised as the store serialises it (camelCase, enums as strings), the type's wire name, the
/// .NET type, the default tenant and the provenance headers (deadline events, as the sweep appends them, carry none). This is a
/// restore, not ingestion: it bypasses HTTP, the idempotency ledger and the projection daemon, so it must run while
/// the service is stopped. It ends by marking the live projection as caught up (the rebuild then replays everything).
/// </summary>
internal static class HistoryLoader
{
    private const string TenantId = "*DEFAULT*";
    private const int RowsPerCopy = 100_000;
    private const int RowsPerChunk = 2_000;
    private static readonly string Schema = StoreSetup.Schema;

    private sealed record Row(long Sequence, Guid Id, string StreamId, long Version, string Data, string Type, DateTimeOffset Timestamp, string DotNetType, string? Headers);

    public static async Task<HistoryLoad> LoadAsync(NpgsqlDataSource dataSource, CustomerHistory history, Action<string> progress, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var first = await ScalarAsync<long>(connection, $"select nextval('{Schema}.mt_events_sequence')", ct);
        // Streams first (mt_events refers to them), with the versions they will have once every event is in.
        await WriteStreamsAsync(connection, history, ct);

        // Generating and serialising (this process) runs beside the COPY (the server): two cores, two stages.
        var chunks = Channel.CreateBounded<Row[]>(new BoundedChannelOptions(32) { SingleReader = true, SingleWriter = true });
        var producer = Task.Run(() => ProduceAsync(history, first, chunks.Writer, ct), ct);

        long written = 0;
        var lastReport = Stopwatch.StartNew();
        var copy = await BeginCopyAsync(connection, ct);
        var inCopy = 0;
        await foreach (var chunk in chunks.Reader.ReadAllAsync(ct))
        {
            foreach (var row in chunk)
            {
                copy.StartRow();
                copy.Write(row.Sequence, NpgsqlDbType.Bigint);
                copy.Write(row.Id, NpgsqlDbType.Uuid);
                copy.Write(row.StreamId, NpgsqlDbType.Varchar);
                copy.Write(row.Version, NpgsqlDbType.Bigint);
                copy.Write(row.Data, NpgsqlDbType.Jsonb);
                copy.Write(row.Type, NpgsqlDbType.Varchar);
                copy.Write(TenantId, NpgsqlDbType.Varchar);
                copy.Write(row.Timestamp, NpgsqlDbType.TimestampTz);
                copy.Write(row.DotNetType, NpgsqlDbType.Varchar);
                copy.Write(false, NpgsqlDbType.Boolean);
                if (row.Headers is null)
                {
                    copy.WriteNull();
                }
                else
                {
                    copy.Write(row.Headers, NpgsqlDbType.Jsonb);
                }
            }

            written += chunk.Length;
            inCopy += chunk.Length;
            if (inCopy >= RowsPerCopy)
            {
                await copy.CompleteAsync(ct);
                await copy.DisposeAsync();
                copy = await BeginCopyAsync(connection, ct);
                inCopy = 0;
            }

            if (lastReport.Elapsed > TimeSpan.FromSeconds(15))
            {
                progress(string.Create(CultureInfo.InvariantCulture,
                    $"{written:N0} of {history.Events:N0} events written ({written / started.Elapsed.TotalSeconds:N0}/s)"));
                lastReport.Restart();
            }
        }

        await producer;
        await copy.CompleteAsync(ct);
        await copy.DisposeAsync();

        var last = first + written - 1;
        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"select setval('{Schema}.mt_events_sequence', $1)") { Parameters = { new NpgsqlParameter<long> { TypedValue = last } } });
            // The live projection (and the daemon's high-water mark) take the loaded history as already seen: a restored
            // store whose projection had caught up. Only the rebuild reads it.
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"""
                 insert into {Schema}.mt_event_progression as p (name, last_seq_id, last_updated)
                 select name, $1, now() from unnest($2::varchar[]) as n(name)
                 on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated
                 """)
            {
                Parameters =
                {
                    new NpgsqlParameter<long> { TypedValue = last },
                    new NpgsqlParameter<string[]> { TypedValue = [CustomerJourneyProjection.ProjectionName + ":All", "HighWaterMark"] },
                },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"analyze {Schema}.mt_events"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"analyze {Schema}.mt_streams"));
            await batch.ExecuteNonQueryAsync(ct);
        }

        return new HistoryLoad(written, history.Customers, history.DeadlineEvents, first, last, started.Elapsed.TotalSeconds);
    }

    private static async Task ProduceAsync(CustomerHistory history, long first, ChannelWriter<Row[]> writer, CancellationToken ct)
    {
        var versions = new int[history.Customers];
        try
        {
            var serializer = new Marten.Services.SystemTextJsonSerializer { EnumStorage = EnumStorage.AsString, Casing = Casing.CamelCase };
            var dotNetTypes = new Dictionary<Type, string>();
            var headers = new ArrayBufferWriter<byte>(256);
            var chunk = new List<Row>(RowsPerChunk);
            foreach (var e in history.InArrivalOrder())
            {
                long version = ++versions[e.Customer];

                var type = e.Data.GetType();
                if (!dotNetTypes.TryGetValue(type, out var dotNetType))
                {
                    dotNetTypes[type] = dotNetType = $"{type.FullName}, {type.Assembly.GetName().Name}";
                }

                chunk.Add(new Row(
                    first + e.Index, Guid.CreateVersion7(e.RecordedAt), e.StreamId, version, serializer.ToJson(e.Data), e.Type, e.RecordedAt, dotNetType,
                    e.ClientEventId is null ? null : Headers(headers, e.ClientEventId, e.OccurredAt)));
                if (chunk.Count == RowsPerChunk)
                {
                    await writer.WriteAsync([.. chunk], ct);
                    chunk.Clear();
                }
            }

            if (chunk.Count > 0)
            {
                await writer.WriteAsync([.. chunk], ct);
            }

            writer.Complete();
        }
        catch (Exception e)
        {
            writer.Complete(e);
            throw;
        }
    }

    /// <summary>The service's provenance headers (TouchpointAppender.Headers): the client's event id and its raw occurredAt.</summary>
    private static string Headers(ArrayBufferWriter<byte> buffer, string clientEventId, DateTimeOffset occurredAt)
    {
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("clientEventId", clientEventId);
            writer.WriteString("clientOccurredAt", occurredAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static Task<NpgsqlBinaryImporter> BeginCopyAsync(NpgsqlConnection connection, CancellationToken ct) =>
        connection.BeginBinaryImportAsync(
            $"copy {Schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, headers) from stdin (format binary)", ct);

    private static async Task WriteStreamsAsync(NpgsqlConnection connection, CustomerHistory history, CancellationToken ct)
    {
        var streams = history.Streams();
        await using var copy = await connection.BeginBinaryImportAsync(
            $"copy {Schema}.mt_streams (id, type, version, timestamp, created, tenant_id) from stdin (format binary)", ct);
        for (var c = 0; c < streams.Length; c++)
        {
            copy.StartRow();
            copy.Write(history.CustomerId(c), NpgsqlDbType.Varchar);
            copy.WriteNull();
            copy.Write((long)streams[c].Version, NpgsqlDbType.Bigint);
            copy.Write(streams[c].Updated, NpgsqlDbType.TimestampTz);
            copy.Write(streams[c].Created, NpgsqlDbType.TimestampTz);
            copy.Write(TenantId, NpgsqlDbType.Varchar);
        }

        await copy.CompleteAsync(ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
