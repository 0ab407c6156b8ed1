using System.Threading.Channels;
using CustomerLifecycle.Infrastructure.Store;
using Npgsql;

namespace CustomerLifecycle.Lifecycle.Journeys.Rebuilding;

// What the rebuild reads before folding: where the store ends, how many customers it holds, and the customers in chunks.
public sealed partial class JourneyBulkRebuild
{
    /// <summary>
    /// The daemon's high-water mark: every sequence number below it is committed or abandoned, so no event can still
    /// appear below it. The live agent resumes after it.
    /// </summary>
    private static async Task<long> HighWaterMarkAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            $"""
             select coalesce((select last_seq_id from {Schema}.mt_event_progression where name = 'HighWaterMark'),
                             (select coalesce(max(seq_id), 0) from {Schema}.mt_events))
             """, connection);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private async Task ProduceChunksAsync(ChannelWriter<string[]> writer, CancellationToken ct)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            var after = "";
            while (true)
            {
                await using var command = new NpgsqlCommand(
                    $"select id from {Schema}.mt_streams where id > $1 and id not like '$%' order by id limit $2", connection);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = after });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = ChunkSize });
                var ids = new List<string>(ChunkSize);
                await using (var reader = await command.ExecuteReaderAsync(ct))
                {
                    while (await reader.ReadAsync(ct))
                    {
                        ids.Add(reader.GetString(0));
                    }
                }

                if (ids.Count == 0)
                {
                    break;
                }

                await writer.WriteAsync([.. ids], ct);
                after = ids[^1];
            }

            writer.Complete();
        }
        catch (Exception ex)
        {
            writer.Complete(ex);
            throw;
        }
    }

    /// <summary>The customer streams the chunks walk (stream ids starting with $ are not customers).</summary>
    private static async Task<long> CustomerCountAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"select count(*) from {Schema}.mt_streams where id not like '$%'", connection) { CommandTimeout = 0 };
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
