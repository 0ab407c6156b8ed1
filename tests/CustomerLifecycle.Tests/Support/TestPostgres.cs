using CustomerLifecycle.Infrastructure.Postgres;
using Npgsql;

namespace CustomerLifecycle.Tests.Support;

/// <summary>
/// One real PostgreSQL for the whole test run: the server named by CUSTOMERLIFECYCLE_TEST_POSTGRES (a connection
/// string with rights to create databases), or a private one started from the machine's binaries. Each fixture gets
/// a database of its own, so fixtures never see each other's data. A fixture drops its database when it is done,
/// and the private server drops what an interrupted run left behind when it starts (it is this checkout's alone).
/// </summary>
public static class TestPostgres
{
    public const string ServerVariable = "CUSTOMERLIFECYCLE_TEST_POSTGRES";

    private static readonly Lazy<Task<Func<string, Task<string>>>> Server = new(StartAsync);

    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var create = await Server.Value;
        var name = $"t_{purpose}_{Guid.NewGuid():N}".ToLowerInvariant();
        return await create(name);
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing any connection still open to it.</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        if (string.IsNullOrEmpty(connectionString))
        {
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Database is not { } name || !name.StartsWith("t_", StringComparison.Ordinal))
        {
            return;
        }

        builder.Database = "postgres";
        builder.Pooling = false;
        await using var dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var command = dataSource.CreateCommand($"drop database if exists \"{name}\" with (force)");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// A private server for one fixture that needs to stop and start it (outage tests). <paramref name="crashSafe"/>
    /// keeps synchronous_commit on, so that a commit survives a crash of the server (pg_ctl stop -m immediate) as
    /// it does in production; fsync stays off, as only the server crashes, not the machine.
    /// </summary>
    public static Task<PrivatePostgres> StartDedicatedAsync(string name, bool crashSafe = false) =>
        PrivatePostgres.StartAsync(new PrivatePostgresOptions
        {
            DataDirectory = Path.Combine(RepositoryRoot.DataFolder, name),
            Durable = false,
            ServerSettings = crashSafe ? new Dictionary<string, string> { ["synchronous_commit"] = "on" } : new Dictionary<string, string>(),
        });

    private static async Task<Func<string, Task<string>>> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } external)
        {
            return async name =>
            {
                await using var dataSource = NpgsqlDataSource.Create(external);
                await using var command = dataSource.CreateCommand($"create database {name}");
                await command.ExecuteNonQueryAsync();
                return new NpgsqlConnectionStringBuilder(external) { Database = name }.ConnectionString;
            };
        }

        var server = await PrivatePostgres.StartAsync(new PrivatePostgresOptions { DataDirectory = Path.Combine(RepositoryRoot.DataFolder, "postgres-tests"), Durable = false });
        await DropLeftoversAsync(server.ConnectionString);
        return name => server.CreateDatabaseAsync(name);
    }

    /// <summary>The test databases a killed or interrupted run left on this checkout's private server.</summary>
    private static async Task DropLeftoversAsync(string adminConnectionString)
    {
        var names = new List<string>();
        await using (var dataSource = NpgsqlDataSource.Create(adminConnectionString))
        await using (var command = dataSource.CreateCommand("select datname from pg_database where datname like 't\\_%'"))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                names.Add(reader.GetString(0));
            }
        }

        foreach (var name in names)
        {
            await DropDatabaseAsync(new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString);
        }
    }
}

public static class RepositoryRoot
{
    public static readonly string Path = Find();

    public static string DataFolder => System.IO.Path.Combine(Path, ".data");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "CustomerLifecycle.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"CustomerLifecycle.sln not found above {AppContext.BaseDirectory}");
    }
}
