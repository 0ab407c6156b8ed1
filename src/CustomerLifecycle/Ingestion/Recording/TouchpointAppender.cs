using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Infrastructure.Telemetry;
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
/// COPY can do here) and a single duplicate id would abort the whole batch. Instead one statement (see
/// <see cref="AppendSql"/>) claims the ids in the idempotency ledger, reserves stream versions, takes sequence numbers
/// and inserts the events in Marten's own format; with the quarantine rows in the same round trip and COMMIT in the
/// next, a request costs two round trips however many events it holds.
/// </summary>
public sealed class TouchpointAppender(NpgsqlDataSource dataSource, IDocumentStore store, LifecycleMetrics metrics)
{
    private const string TenantId = "*DEFAULT*";
    private readonly ISerializer serializer = store.Options.Serializer();
    private static readonly string Schema = StoreSetup.Schema;

    /// <param name="itemOrigins">Per-touchpoint origins when the touchpoints came from different requests (group commit).</param>
    public async Task<AppendResult> AppendAsync(
        IReadOnlyList<ValidTouchpoint> touchpoints, IReadOnlyList<Rejection> rejections, RequestOrigin origin, CancellationToken ct,
        IReadOnlyList<RequestOrigin>? itemOrigins = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        var result = await AppendAndCommitAsync(touchpoints, rejections, origin, itemOrigins, ct);
        metrics.Appended(origin.Endpoint, result, rejections, TimeProvider.System.GetElapsedTime(started));
        return result;
    }

    private async Task<AppendResult> AppendAndCommitAsync(
        IReadOnlyList<ValidTouchpoint> touchpoints, IReadOnlyList<Rejection> rejections, RequestOrigin origin,
        IReadOnlyList<RequestOrigin>? itemOrigins, CancellationToken ct)
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

        // One round trip does the work: the request's quarantine rows, then one statement that claims the ids,
        // reserves versions and sequence numbers and inserts the events. A second one commits.
        var rejectionIds = new long[rejections.Count];
        var written = new Dictionary<Guid, (long Sequence, long Version)>(candidates.Count);
        var known = new Dictionary<Guid, (byte[] Hash, DateTimeOffset RecordedAt)>();
        await using (var batch = new NpgsqlBatch(connection))
        {
            foreach (var r in rejections)
            {
                batch.BatchCommands.Add(QuarantineCommand(r, origin));
            }

            if (candidates.Count > 0)
            {
                batch.BatchCommands.Add(AppendCommand(touchpoints, rows, candidates));
            }

            if (batch.BatchCommands.Count > 0)
            {
                // Planning the append statement costs more than running it for a few events; prepared statements
                // stay with each pooled physical connection, so after the first use this is a lookup, not a round trip.
                await batch.PrepareAsync(ct);
                await using var reader = await batch.ExecuteReaderAsync(ct);
                for (var r = 0; r < rejections.Count; r++)
                {
                    await reader.ReadAsync(ct);
                    rejectionIds[r] = reader.GetInt64(0);
                    await reader.NextResultAsync(ct);
                }

                while (candidates.Count > 0 && await reader.ReadAsync(ct))
                {
                    var id = reader.GetGuid(1);
                    if (reader.GetBoolean(0))
                    {
                        written[id] = (reader.GetInt64(2), reader.GetInt64(3));
                    }
                    else
                    {
                        known[id] = (reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<DateTimeOffset>(5));
                    }
                }
            }
        }

        // An id another transaction claimed while this statement ran is in neither set (the statement's snapshot
        // predates that commit): read it again, now that the claim has settled.
        var unsettled = candidates.Where(i => !written.ContainsKey(touchpoints[i].StoreId) && !known.ContainsKey(touchpoints[i].StoreId)).ToList();
        if (unsettled.Count > 0)
        {
            foreach (var (id, entry) in await ReadLedgerAsync(connection, touchpoints, unsettled, ct))
            {
                known[id] = entry;
            }
        }

        for (var i = 0; i < touchpoints.Count; i++)
        {
            var tp = touchpoints[i];
            var first = firstIndexById[tp.StoreId];
            if (written.TryGetValue(tp.StoreId, out var at) && first == i)
            {
                outcomes[i] = new AppendOutcome(AppendStatus.Accepted, tp.ReceivedAt, at.Sequence, at.Version);
            }
            else if (first == i)
            {
                Judge(i, known[tp.StoreId]);
            }
            else
            {
                // A repeat is judged against what the store holds under that id once this request commits: the first
                // copy if this request writes it, otherwise the event recorded earlier (so a good retry beside a bad
                // one is a duplicate).
                Judge(i, written.ContainsKey(tp.StoreId) ? (touchpoints[first].ContentHash, touchpoints[first].ReceivedAt) : known[tp.StoreId]);
            }
        }

        // Conflicts are rare: their quarantine rows take one more round trip, still inside the transaction.
        if (lateRejections.Count > 0)
        {
            var lateIds = await QuarantineAsync(connection, lateRejections.Select(r => r.Rejection).ToList(), origin, ct);
            for (var r = 0; r < lateRejections.Count; r++)
            {
                var index = lateRejections[r].Index;
                outcomes[index] = outcomes[index] with { RejectionId = lateIds[r] };
            }
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

    /// <summary>
    /// The append as one statement over the request's arrays (in request order):
    /// <list type="number">
    /// <item>claim the ids in the ledger (ON CONFLICT DO NOTHING: concurrent claims of one id serialise on its unique
    /// index, so exactly one wins, even across nodes), in id order;</item>
    /// <item>for the claimed events, reserve stream versions with one upsert of mt_streams (its row lock orders
    /// concurrent appends to a stream), in stream order, so concurrent batches cannot deadlock;</item>
    /// <item>only then take global sequence numbers, in request order, and only for the events written (a gap in the
    /// sequence stalls the async daemon until COMMIT); the sum over the upserted streams makes that ordering a data
    /// dependency rather than a planner's choice;</item>
    /// <item>insert the events into mt_events in Marten's own format, so Marten reads, projects and rebuilds them as
    /// its own.</item>
    /// </list>
    /// Returns a row per written event (true, id, sequence, version) and per id already in the ledger before this
    /// statement began (false, id, -, -, hash, recorded_at).
    /// </summary>
    private static NpgsqlBatchCommand AppendCommand(IReadOnlyList<ValidTouchpoint> touchpoints, (string Data, string Headers)[] rows, List<int> candidates)
    {
        var n = candidates.Count;
        var (ids, eventIds, hashes, customers, recorded) = (new Guid[n], new string[n], new byte[n][], new string[n], new DateTimeOffset[n]);
        var (data, types, dotnetTypes, headers) = (new string[n], new string[n], new string[n], new string[n]);
        for (var k = 0; k < n; k++)
        {
            var i = candidates[k];
            var tp = touchpoints[i];
            (ids[k], eventIds[k], hashes[k], customers[k], recorded[k]) = (tp.StoreId, tp.EventId, tp.ContentHash, tp.CustomerId, tp.ReceivedAt);
            (data[k], types[k], dotnetTypes[k], headers[k]) = (rows[i].Data, tp.Type, DotNetTypeName(tp.Event.GetType()), rows[i].Headers);
        }

        return new NpgsqlBatchCommand(AppendSql)
        {
            Parameters =
            {
                new() { Value = ids },
                new() { Value = eventIds },
                new() { Value = hashes },
                new() { Value = customers },
                new() { Value = recorded },
                new() { Value = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new() { Value = types },
                new() { Value = dotnetTypes },
                new() { Value = headers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new() { Value = recorded[0] },
            },
        };
    }

    private static readonly string AppendSql =
        $"""
         with input as (
           select * from unnest($1::uuid[], $2::text[], $3::bytea[], $4::varchar[], $5::timestamptz[], $6::jsonb[], $7::varchar[], $8::varchar[], $9::jsonb[])
             with ordinality as t(store_id, event_id, content_hash, customer_id, recorded_at, data, type, dotnet_type, headers, ord)
         ), claimed as (
           insert into {Schema}.{IngestionSchema.Ledger} (store_id, event_id, content_hash, customer_id, recorded_at)
           select store_id, event_id, content_hash, customer_id, recorded_at from input order by store_id
           on conflict (store_id) do nothing
           returning store_id
         ), fresh as (
           select i.*, row_number() over (partition by i.customer_id order by i.ord) as k, row_number() over (order by i.ord) as rn
           from input i join claimed c on c.store_id = i.store_id
         ), counts as (
           select customer_id, count(*) as n from fresh group by customer_id
         ), streams as (
           insert into {Schema}.mt_streams as s (id, type, version, timestamp, created, tenant_id)
           select customer_id, null, n, $10, $10, '{TenantId}' from counts order by customer_id
           on conflict (id) do update set version = s.version + excluded.version, timestamp = excluded.timestamp
           returning id, version
         ), sequences as (
           select seq, row_number() over (order by seq) as rn
           from (select nextval('{Schema}.mt_events_sequence') as seq
                 from generate_series(1, (select coalesce(sum(c.n), 0) from counts c join streams s on s.id = c.customer_id))) q
         ), written as (
           insert into {Schema}.mt_events (seq_id, id, stream_id, version, data, type, tenant_id, timestamp, mt_dotnet_type, is_archived, headers)
           select q.seq, f.store_id, f.customer_id, s.version - c.n + f.k, f.data, f.type, '{TenantId}', f.recorded_at, f.dotnet_type, false, f.headers
           from fresh f
             join counts c on c.customer_id = f.customer_id
             join streams s on s.id = f.customer_id
             join sequences q on q.rn = f.rn
           returning id, seq_id, version
         )
         select true, id, seq_id, version, null::bytea, null::timestamptz from written
         union all
         select false, l.store_id, null, null, l.content_hash, l.recorded_at
         from {Schema}.{IngestionSchema.Ledger} l join input i on i.store_id = l.store_id
         where not exists (select 1 from claimed c where c.store_id = i.store_id)
         """;

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

    private static NpgsqlBatchCommand QuarantineCommand(Rejection r, RequestOrigin origin)
    {
        var from = r.Origin ?? origin;
        return new NpgsqlBatchCommand(
            $"""
             insert into {Schema}.{IngestionSchema.Rejections}
               (received_at, api_key, endpoint, item_index, reason, event_id, customer_id, type, errors, payload, payload_bytes, payload_sha256)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id
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
                new() { Value = r.Whole?.Bytes ?? r.Payload.Length, NpgsqlDbType = NpgsqlDbType.Bigint },
                new() { Value = r.Whole?.Sha256 ?? SHA256.HashData(r.Payload.Span), NpgsqlDbType = NpgsqlDbType.Bytea },
            },
        };
    }

    private static async Task<long[]> QuarantineAsync(NpgsqlConnection connection, List<Rejection> rejections, RequestOrigin origin, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection);
        foreach (var r in rejections)
        {
            batch.BatchCommands.Add(QuarantineCommand(r, origin));
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
        metrics.Rejected(origin.Endpoint, rejection.Reason);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await QuarantineAsync(connection, [rejection], origin, ct))[0];
    }
}
