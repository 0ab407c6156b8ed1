using System.Text.RegularExpressions;
using Npgsql;

namespace CustomerLifecycle.Bench.Measuring;

/// <summary>One statement's share of the server's execution time in a measurement.</summary>
internal sealed record StatementCost(string Statement, long Calls, double TotalMs, long Rows);

/// <summary>
/// What the server did in a measurement, from its own statistics: WAL flushes (each one a wait for the disk that
/// every commit in it shares), WAL volume and full-page images, connections opened.
/// </summary>
internal sealed record ServerActivity(long SessionsOpened, long WalBytes, long WalFullPageImages, long WalFlushes);

/// <summary>
/// The server's own view of a measurement: pg_stat_statements (which statements took the time; COMMIT's time is
/// mostly the wait for the WAL flush) and the counters of pg_stat_database and pg_stat_wal.
/// </summary>
internal sealed partial class ServerProfile(NpgsqlDataSource dataSource, bool hasStatements)
{
    // PostgreSQL 15 backends publish their counters when idle, at most once a second: wait that long before reading.
    private static readonly TimeSpan StatisticsDelay = TimeSpan.FromMilliseconds(1200);

    /// <summary>Lets the previous load's counters arrive, resets pg_stat_statements and reads the counters.</summary>
    public async Task<ServerActivity?> StartAsync(bool settle, CancellationToken ct)
    {
        if (settle)
        {
            await Task.Delay(StatisticsDelay, ct);
        }

        if (hasStatements)
        {
            await using var reset = dataSource.CreateCommand("select pg_stat_statements_reset()");
            await reset.ExecuteNonQueryAsync(ct);
        }

        return settle ? await CountersAsync(ct) : null;
    }

    public async Task<(ServerActivity? Activity, IReadOnlyList<StatementCost> Statements)> EndAsync(ServerActivity? start, bool settle, CancellationToken ct)
    {
        if (settle)
        {
            await Task.Delay(StatisticsDelay, ct);
        }

        // Unsettled counters lag by up to a second, which is most of a short measurement: better none than wrong ones.
        var end = settle ? await CountersAsync(ct) : null;
        var activity = start is null || end is null
            ? null
            : new ServerActivity(
                end.SessionsOpened - start.SessionsOpened, end.WalBytes - start.WalBytes,
                end.WalFullPageImages - start.WalFullPageImages, end.WalFlushes - start.WalFlushes);
        return (activity, await TopStatementsAsync(4, ct));
    }

    private async Task<ServerActivity?> CountersAsync(CancellationToken ct)
    {
        try
        {
            // pg_stat_wal and pg_stat_database.sessions exist from PostgreSQL 14 on.
            await using var command = dataSource.CreateCommand(
                """
                select d.sessions, w.wal_bytes::bigint, w.wal_fpi, w.wal_sync
                from pg_stat_database d cross join pg_stat_wal w
                where d.datname = current_database()
                """);
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            return new ServerActivity(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedColumn)
        {
            return null;
        }
    }

    private async Task<IReadOnlyList<StatementCost>> TopStatementsAsync(int count, CancellationToken ct)
    {
        if (!hasStatements)
        {
            return [];
        }

        // Our own sampling and profiling queries are left out; they are not the work being measured.
        await using var command = dataSource.CreateCommand(
            """
            select s.query, s.calls, s.total_exec_time, s.rows
            from pg_stat_statements s join pg_database d on d.oid = s.dbid
            where d.datname = current_database() and s.query not like '%pg_stat_%'
            order by s.total_exec_time desc
            limit $1
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        var top = new List<StatementCost>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            top.Add(new StatementCost(Shorten(reader.GetString(0)), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3)));
        }

        return top;
    }

    private static string Shorten(string sql)
    {
        var oneLine = Whitespace().Replace(sql, " ").Trim();
        return oneLine.Length <= 90 ? oneLine : oneLine[..87] + "...";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
