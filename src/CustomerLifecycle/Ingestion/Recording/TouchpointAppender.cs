using System.Buffers;
using System.Text.Json;
using CustomerLifecycle.Infrastructure.Store;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Ingestion.Recording;

public enum AppendStatus { Accepted, Duplicate, Conflict }

/// <summary>What became of one valid touchpoint. Sequence and Version are set only for events appended now.</summary>
public readonly record struct AppendOutcome(AppendStatus Status, DateTimeOffset RecordedAt, long? Sequence = null, long? Version = null, long? RejectionId = null);

/// <param name="Touchpoints">Aligned with the touchpoints passed in.</param>
/// <param name="RejectionIds">Quarantine ids, aligned with the rejections passed in.</param>
public sealed record AppendResult(AppendOutcome[] Touchpoints, long[] RejectionIds);

/// <summary>Who sent a request and through which endpoint, for the quarantine.</summary>
public sealed record RequestOrigin(string Endpoint, string? ApiKey, DateTimeOffset ReceivedAt);

/// <summary>
/// Appends touchpoints to the customers' Marten streams, exactly once, in ONE transaction with their quarantined
/// siblings: an acknowledgement therefore always means "committed", and a failure leaves nothing half-written.
///
/// Why not session.Events.Append: Marten appends event by event through a stored function (about a fifth of what
/// COPY can do here) and a single duplicate id would abort the whole batch. Instead we
///   1. claim every client event id in the idempotency ledger (INSERT … ON CONFLICT DO NOTHING - concurrent
///      claims of one id serialise on the unique index, so exactly one wins, even across nodes);
///   2. reserve stream versions with one upsert of mt_streams (the row lock orders concurrent appends to a stream);
///   3. take global sequence numbers only for the events we will really write (gaps stall the async daemon);
///   4. COPY the events into mt_events in Marten's own format, so Marten reads, projects and rebuilds them as its own.
/// Rows are locked in sorted key order in steps 1 and 2, so concurrent batches cannot deadlock.
/// </summary>
public sealed class TouchpointAppender(NpgsqlDataSource dataSource, IDocumentStore store)
{
    private const string TenantId = "*DEFAULT*";
    private readonly ISerializer serializer = store.Options.Serializer();
    private static readonly string Schema = StoreSetup.Schema;

    /// <param name="itemOrigins">Per-touchpoint origins when the touchpoints came from different requests (group commit).</param>
    public async Task<AppendResult> AppendAsync(
        IReadOnlyList<ValidTouchpoint> touchpoints, IReadOnlyList<Rejection> rejections, RequestOrigin origin, CancellationToken ct,
        IReadOnlyList<RequestOrigin>? itemOrigins = null)
    {
        var outcomes = new AppendOutcome[touchpoints.Count];
        var firstIndexById = new Dictionary<Guid, int>(touchpoints.Count);
        var candidates = new List<int>(touchpoints.Count);
        var lateRejections = new List<(int Index, Rejection Rejection)>();

        // The same id twice in one request: the first one stands for both.
        for (var i = 0; i < touchpoints.Count; i++)
        {
            if (firstIndexById.TryAdd(touchpoints[i].StoreId, i))
            {
                candidates.Add(i);
            }
        }

        // Serialise before the transaction: the stream rows locked below stay locked until COMMIT, so nothing that
        // can be done without them should happen while they are held.
        var rows = new (string Data, string Headers)[touchpoints.Count];
        var headerBuffer = new ArrayBufferWriter<byte>(256);
        foreach (var i in candidates)
        {
            headerBuffer.ResetWrittenCount();
            WriteHeaders(headerBuffer, touchpoints[i]);
            rows[i] = (serializer.ToJson(touchpoints[i].Event), System.Text.Encoding.UTF8.GetString(headerBuffer.WrittenSpan));
        }

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        var claimed = await ClaimAsync(connection, touchpoints, candidates, ct);
        var known = await ReadLedgerAsync(connection, touchpoints, candidates.Where(i => !claimed.Contains(touchpoints[i].StoreId)).ToList(), ct);

        var toWrite = new List<int>(claimed.Count);
        foreach (var i in candidates)
        {
            var tp = touchpoints[i];
            if (claimed.Contains(tp.StoreId))
            {
                toWrite.Add(i);
            }
            else
            {
                Judge(i, known[tp.StoreId]);
            }
        }

        for (var i = 0; i < touchpoints.Count; i++)
        {
            var first = firstIndexById[touchpoints[i].StoreId];
            if (first != i)
            {
                // A repeat is judged against what the store holds under that id once this request commits: the first
                // copy if this request writes it, otherwise the event recorded earlier (so a good retry beside a bad
                // one is a duplicate).
                Judge(i, claimed.Contains(touchpoints[first].StoreId)
                    ? (touchpoints[first].ContentHash, touchpoints[first].ReceivedAt)
                    : known[touchpoints[i].StoreId]);
            }
        }

        // Quarantine first, events last: the global sequence numbers taken for the events leave a gap that the
        // projection daemon waits on until COMMIT, so that window should hold nothing but the COPY.
        var allRejections = rejections.Concat(lateRejections.Select(r => r.Rejection)).ToList();
        var rejectionIds = allRejections.Count == 0 ? [] : await QuarantineAsync(connection, allRejections, origin, ct);
        for (var r = 0; r < lateRejections.Count; r++)
        {
            var index = lateRejections[r].Index;
            outcomes[index] = outcomes[index] with { RejectionId = rejectionIds[rejections.Count + r] };
        }

        if (toWrite.Count > 0)
        {
            await WriteEventsAsync(connection, touchpoints, rows, toWrite, outcomes, ct);
        }

        await transaction.CommitAsync(ct);
        return new AppendResult(outcomes, rejectionIds[..rejections.Count]);

        void Judge(int index, (byte[] Hash, DateTimeOffset RecordedAt) existing)
        {
            var tp = touchpoints[index];
            // An empty stored hash is an erased event's: whatever the retry holds, it must not bring the data back.
            if (existing.RecordedAt != DateTimeOffset.MinValue && (existing.Hash.Length == 0 || existing.Hash.AsSpan().SequenceEqual(tp.ContentHash)))
            {
                outcomes[index] = new AppendOutcome(AppendStatus.Duplicate, existing.RecordedAt);
                return;
            }

            outcomes[index] = new AppendOutcome(AppendStatus.Conflict, tp.ReceivedAt);
            lateRejections.Add((index, new Rejection(
                RejectionReasons.Conflict,
                TouchpointParser.Errors("eventId", ConflictMessage(tp.EventId)),
                tp.Raw,
                tp.ItemIndex, tp.EventId, tp.CustomerId, tp.Type, itemOrigins?[index])));
        }
    }

    public static string ConflictMessage(string eventId) =>
        $"event '{eventId}' was already recorded with different content; an event id names one event, forever";

    private static async Task<HashSet<Guid>> ClaimAsync(NpgsqlConnection connection, IReadOnlyList<ValidTouchpoint> touchpoints, List<int> candidates, CancellationToken ct)
    {
        var n = candidates.Count;
        var ids = new Guid[n];
        var eventIds = new string[n];
        var hashes = new byte[n][];
        var customers = new string[n];
        var recorded = new DateTimeOffset[n];
        for (var k = 0; k < n; k++)
        {
            var tp = touchpoints[candidates[k]];
            (ids[k], eventIds[k], hashes[k], customers[k], recorded[k]) = (tp.StoreId, tp.EventId, tp.ContentHash, tp.CustomerId, tp.ReceivedAt);
        }

        await using var command = new NpgsqlCommand(
            $"""
             insert into {Schema}.{IngestionSchema.Ledger} (store_id, event_id, content_hash, customer_id, recorded_at)
             select * from unnest($1, $2, $3, $4, $5) as t(store_id, event_id, content_hash, customer_id, recorded_at)
             order by store_id
             on conflict (store_id) do nothing
             returning store_id
             """, connection)
        {
            Parameters = { new() { Value = ids }, new() { Value = eventIds }, new() { Value = hashes }, new() { Value = customers }, new() { Value = recorded } },
        };
        var claimed = new HashSet<Guid>(n);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            claimed.Add(reader.GetGuid(0));
        }

        return claimed;
    }

    private static async Task<Dictionary<Guid, (byte[] Hash, DateTimeOffset RecordedAt)>> ReadLedgerAsync(
        NpgsqlConnection connection, IReadOnlyList<ValidTouchpoint> touchpoints, List<int> indexes, CancellationToken ct)
    {
        var known = new Dictionary<Guid, (byte[], DateTimeOffset)>(indexes.Count);
        if (indexes.Count == 0)
        {
            return known;
        }

        await using var command = new NpgsqlCommand(
            $"select store_id, content_hash, recorded_at from {Schema}.{IngestionSchema.Ledger} where store_id = any($1)", connection)
        {
            Parameters = { new() { Value = indexes.Select(i => touchpoints[i].StoreId).ToArray() } },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            known[reader.GetGuid(0)] = ((byte[])reader[1], reader.GetFieldValue<DateTimeOffset>(2));
        }

        return known;
    }

    private static async Task WriteEventsAsync(
        NpgsqlConnection connection, IReadOnlyList<ValidTouchpoint> touchpoints, (string Data, string Headers)[] rows, List<int> toWrite, AppendOutcome[] outcomes, CancellationToken ct)
    {
        // Versions: per stream, in request order.
        var countByStream = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var i in toWrite)
        {
            countByStream[touchpoints[i].CustomerId] = countByStream.GetValueOrDefault(touchpoints[i].CustomerId) + 1;
        }

        var now = touchpoints[toWrite[0]].ReceivedAt;
        var lastVersion = new Dictionary<string, long>(countByStream.Count, StringComparer.Ordinal);
        var sequences = new long[toWrite.Count];
        await using (var batch = new NpgsqlBatch(connection))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"""
                 insert into {Schema}.mt_streams as s (id, type, version, timestamp, created, tenant_id)
                 select id, null, n, $3, $3, '{TenantId}' from unnest($1, $2) as t(id, n) order by id
                 on conflict (id) do update set version = s.version + excluded.version, timestamp = excluded.timestamp
                 returning id, version
                 """)
            {
                Parameters = { new() { Value = countByStream.Keys.ToArray() }, new() { Value = countByStream.Values.ToArray() }, new() { Value = now } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"select nextval('{Schema}.mt_events_sequence') from generate_series(1, $1)")
            {
                Parameters = { new() { Value = toWrite.Count } },
            });
            await using var reader = await batch.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                lastVersion[reader.GetString(0)] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(ct);
            for (var k = 0; await reader.ReadAsync(ct); k++)
            {
                sequences[k] = reader.GetInt64(0);
            }
        }

        var nextVersion = new Dictionary<string, long>(countByStream.Count, StringComparer.Ordinal);
        foreach (var (stream, count) in countByStream)
        {
            nextVersion[stream] = lastVersion[stream] - count + 1;
        }

        await using var importer = await connection.BeginBinaryImportAsync(
            $"copy {Schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, headers) from stdin (format binary)", ct);
        for (var k = 0; k < toWrite.Count; k++)
        {
            var i = toWrite[k];
            var tp = touchpoints[i];
            var version = nextVersion[tp.CustomerId]++;
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(sequences[k], NpgsqlDbType.Bigint, ct);
            await importer.WriteAsync(tp.StoreId, NpgsqlDbType.Uuid, ct);
            await importer.WriteAsync(tp.CustomerId, NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(version, NpgsqlDbType.Bigint, ct);
            await importer.WriteAsync(rows[i].Data, NpgsqlDbType.Jsonb, ct);
            await importer.WriteAsync(tp.Type, NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(TenantId, NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(tp.ReceivedAt, NpgsqlDbType.TimestampTz, ct);
            await importer.WriteAsync(DotNetTypeName(tp.Event.GetType()), NpgsqlDbType.Varchar, ct);
            await importer.WriteAsync(false, NpgsqlDbType.Boolean, ct);
            await importer.WriteAsync(rows[i].Headers, NpgsqlDbType.Jsonb, ct);
            outcomes[i] = new AppendOutcome(AppendStatus.Accepted, tp.ReceivedAt, sequences[k], version);
        }

        await importer.CompleteAsync(ct);
    }

    /// <summary>Provenance that is not business fact: the client's id and its raw clock readings.</summary>
    public static class Headers
    {
        public const string ClientEventId = "clientEventId";
        public const string ClientOccurredAt = "clientOccurredAt";
        public const string SentAt = "sentAt";
    }

    private static void WriteHeaders(ArrayBufferWriter<byte> buffer, ValidTouchpoint tp)
    {
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteString(Headers.ClientEventId, tp.EventId);
        writer.WriteString(Headers.ClientOccurredAt, tp.ClientOccurredAt);
        if (tp.SentAt is { } sentAt)
        {
            writer.WriteString(Headers.SentAt, sentAt);
        }

        writer.WriteEndObject();
    }

    private static string DotNetTypeName(Type type) => $"{type.FullName}, {type.Assembly.GetName().Name}";

    private static async Task<long[]> QuarantineAsync(NpgsqlConnection connection, List<Rejection> rejections, RequestOrigin origin, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var r in rejections)
        {
            var from = r.Origin ?? origin;
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                $"""
                 insert into {Schema}.{IngestionSchema.Rejections}
                   (received_at, api_key, endpoint, item_index, reason, event_id, customer_id, type, errors, payload)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id
                 """)
            {
                Parameters =
                {
                    new() { Value = from.ReceivedAt },
                    new() { Value = (object?)from.ApiKey ?? DBNull.Value },
                    new() { Value = from.Endpoint },
                    new() { Value = (object?)r.ItemIndex ?? DBNull.Value },
                    new() { Value = r.Reason },
                    new() { Value = (object?)TouchpointParser.Clean(r.EventId) ?? DBNull.Value },
                    new() { Value = (object?)TouchpointParser.Clean(r.CustomerId) ?? DBNull.Value },
                    new() { Value = (object?)TouchpointParser.Clean(r.Type) ?? DBNull.Value },
                    new() { Value = JsonSerializer.Serialize(r.Errors.ToDictionary(e => TouchpointParser.Clean(e.Key)!, e => e.Value.Select(TouchpointParser.Clean))), NpgsqlDbType = NpgsqlDbType.Jsonb },
                    new() { Value = r.Payload.ToArray(), NpgsqlDbType = NpgsqlDbType.Bytea },
                },
            });
        }

        var ids = new long[rejections.Count];
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var k = 0;
        do
        {
            while (await reader.ReadAsync(ct))
            {
                ids[k++] = reader.GetInt64(0);
            }
        }
        while (await reader.NextResultAsync(ct));

        return ids;
    }

    /// <summary>Quarantines a request that never got as far as touchpoints (bad JSON, too large).</summary>
    public async Task<long> QuarantineAsync(Rejection rejection, RequestOrigin origin, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await QuarantineAsync(connection, [rejection], origin, ct))[0];
    }
}
