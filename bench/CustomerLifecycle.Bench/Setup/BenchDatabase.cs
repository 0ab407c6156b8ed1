using System.Globalization;
using CustomerLifecycle.Infrastructure.Postgres;
using Npgsql;

namespace CustomerLifecycle.Bench.Setup;

/// <summary>The server settings that decide what a durable write costs; printed, and repeated in the summary.</summary>
internal sealed record ServerSettings(string Where, string Version, string Fsync, string SynchronousCommit, string SharedBuffers, string WalSyncMethod, string MaxWalSize, string Planner)
{
    public override string ToString() =>
        $"{Version} ({Where}): fsync={Fsync}, synchronous_commit={SynchronousCommit}, shared_buffers={SharedBuffers}, wal_sync_method={WalSyncMethod}, max_wal_size={MaxWalSize}, {Planner}";
}

/// <summary>
/// One PostgreSQL for the whole run (private under .data/bench, durable like production, or the one given with
/// --connection) and a fresh database in it, dropped again at the end.
/// </summary>
internal sealed class BenchDatabase : IAsyncDisposable
{
    private const string NamePrefix = "bench_";
    private readonly PrivatePostgres? server;
    private readonly string adminConnectionString;
    private bool keep;

    private BenchDatabase(PrivatePostgres? server, string adminConnectionString, string name, string connectionString)
    {
        this.server = server;
        this.adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>The bench process's own pool (COPY, the one-transaction loop, the samplers).</summary>
    public NpgsqlDataSource DataSource { get; }

    public ServerSettings Settings { get; private set; } = null!;

    /// <summary>The server's postmaster when it runs on this machine (the parent of our backend), else null.</summary>
    public int? PostmasterPid { get; private set; }

    /// <summary>True when pg_stat_statements is loaded, so each measurement can say which statements took the time.</summary>
    public bool HasStatementStatistics { get; private set; }

    public static async Task<BenchDatabase> StartAsync(BenchOptions options, string repositoryRoot, CancellationToken ct)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{NamePrefix}{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Random.Shared.Next(0x10000):x4}");
        BenchDatabase database;
        if (options.Connection is { } external)
        {
            var admin = new NpgsqlConnectionStringBuilder(external) { Pooling = false }.ConnectionString;
            await ExecuteAsync(admin, $"create database {name}", ct);
            database = new BenchDatabase(null, admin, name, new NpgsqlConnectionStringBuilder(external) { Database = name }.ConnectionString);
        }
        else
        {
            var server = await PrivatePostgres.StartAsync(
                new PrivatePostgresOptions
                {
                    DataDirectory = Path.Combine(repositoryRoot, ".data", "bench", "postgres"),
                    // Production-like: every commit waits for its WAL flush, which is what the targets are about.
                    Durable = true,
                    StopReusedServer = true,
                    // Per-statement timings, so a missed target can be traced to the statement that costs the time.
                    // "all" also counts statements run inside functions and triggers (the journey mirrors), beside their caller.
                    ServerSettings = new Dictionary<string, string>(options.ServerSettings) { ["shared_preload_libraries"] = "pg_stat_statements", ["pg_stat_statements.track"] = "all" },
                },
                logger: null,
                ct);
            try
            {
                var admin = new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString;
                await DropLeftoversAsync(admin, ct);
                database = new BenchDatabase(server, admin, name, await server.CreateDatabaseAsync(name, ct));
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }

        try
        {
            await database.InspectAsync(ct);
            return database;
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    private async Task InspectAsync(CancellationToken ct)
    {
        var where = server is null ? "the server given with --connection" : $"private server, data in {server.DataDirectory}";
        await using var command = DataSource.CreateCommand(
            """
            select current_setting('server_version'), current_setting('fsync'), current_setting('synchronous_commit'),
                   current_setting('shared_buffers'), current_setting('wal_sync_method'), current_setting('max_wal_size'),
                   current_setting('shared_preload_libraries'), pg_backend_pid(),
                   -- What the planner is told about memory, and whether it compiles expensive plans: they decide query plans.
                   format('work_mem=%s, effective_cache_size=%s, jit=%s', current_setting('work_mem'),
                          current_setting('effective_cache_size'), current_setting('jit'))
            """);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            Settings = new ServerSettings(
                where, "PostgreSQL " + reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(8));
            HasStatementStatistics = reader.GetString(6).Contains("pg_stat_statements", StringComparison.Ordinal);
            // Only meaningful for a server on this machine; a remote backend's pid names nothing (or something else) here.
            PostmasterPid = Measuring.ProcFs.ParentOf(reader.GetInt32(7)) is { } parent && Measuring.ProcFs.IsPostgres(parent) ? parent : null;
        }

        if (HasStatementStatistics)
        {
            try
            {
                await using var create = DataSource.CreateCommand("create extension if not exists pg_stat_statements");
                await create.ExecuteNonQueryAsync(ct);
            }
            catch (PostgresException)
            {
                // Loaded but not ours to install (a managed server): run without per-statement times.
                HasStatementStatistics = false;
            }
        }
    }

    /// <summary>Databases of earlier runs that were killed before they could drop theirs (private server only).</summary>
    private static async Task DropLeftoversAsync(string admin, CancellationToken ct)
    {
        var leftovers = new List<string>();
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
            await using var command = new NpgsqlCommand($"select datname from pg_database where datname like '{NamePrefix}%'", connection);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                leftovers.Add(reader.GetString(0));
            }
        }

        foreach (var leftover in leftovers)
        {
            await ExecuteAsync(admin, $"drop database if exists \"{leftover}\" with (force)", ct);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Leave the database in place at the end (--keep-database).</summary>
    public void Keep() => keep = true;

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        if (keep)
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            Console.WriteLine(server is null
                ? $"postgres: database {Name} kept"
                : $"postgres: database {Name} kept in {server.DataDirectory} (private server stopped; start it with pg_ctl -D, as the postgres user when root; the next bench run drops it)");
            return;
        }

        try
        {
            await ExecuteAsync(adminConnectionString, $"drop database if exists {Name} with (force)", CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            Console.Error.WriteLine($"could not drop database {Name}: {e.Message}");
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }

        Console.WriteLine($"postgres: database {Name} dropped{(server is null ? "" : ", private server stopped")}");
    }
}
