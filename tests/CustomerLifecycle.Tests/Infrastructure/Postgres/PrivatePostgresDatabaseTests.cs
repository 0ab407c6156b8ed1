using System.Diagnostics;
using CustomerLifecycle.Infrastructure.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Infrastructure.Postgres;

/// <summary>One cold-started test-mode server shared by the tests that only read settings or create databases.</summary>
public sealed class SharedServerFixture : IAsyncLifetime, IDisposable
{
    private readonly TestDataFolder folder = new();

    public PrivatePostgres Server { get; private set; } = null!;

    public TimeSpan ColdStart { get; private set; }

    public async Task InitializeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        Server = await PrivatePostgres.StartAsync(new PrivatePostgresOptions
        {
            DataDirectory = folder.DataDirectory,
            Durable = false,
            ServerSettings = new Dictionary<string, string> { ["work_mem"] = "8MB", ["application_name"] = "it's \\ quoted" },
        });
        ColdStart = stopwatch.Elapsed;
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        folder.Dispose();
    }

    public void Dispose() => folder.Dispose(); // also when InitializeAsync failed; deleting twice is harmless
}

public sealed class PrivatePostgresDatabaseTests(SharedServerFixture fixture, ITestOutputHelper output) : IClassFixture<SharedServerFixture>
{
    private PrivatePostgres Server => fixture.Server;

    [Fact]
    public async Task StartsAndAnswersSelectVersionWithPostgres15()
    {
        output.WriteLine($"cold start (initdb + start) took {fixture.ColdStart.TotalMilliseconds:0} ms");

        var version = (string?)await Sql.ScalarAsync(Server.ConnectionString, "select version()");

        Assert.StartsWith("PostgreSQL 15.", version, StringComparison.Ordinal);
        Assert.True(Server.CreatedDataDirectory);
        Assert.False(Server.ReusedRunningServer);
        Assert.Contains($"Port={Server.Port}", Server.ConnectionString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fsync", "off")]
    [InlineData("synchronous_commit", "off")]
    [InlineData("full_page_writes", "off")]
    [InlineData("max_connections", "300")]
    [InlineData("listen_addresses", "127.0.0.1")]
    [InlineData("unix_socket_directories", "")]
    [InlineData("jit", "off")]
    [InlineData("work_mem", "8MB")]
    [InlineData("application_name", "it's \\ quoted")]
    [InlineData("server_encoding", "UTF8")]
    [InlineData("lc_collate", "C")]
    [InlineData("password_encryption", "scram-sha-256")]
    public async Task TestModeServerRunsWithTheRequestedSettings(string setting, string expected)
    {
        // Npgsql sends no application_name unless asked, so the session shows the server's default.
        var actual = await Sql.ScalarAsync(Server.ConnectionString, $"select current_setting('{setting}')");

        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task WrongPasswordIsRefused()
    {
        var wrong = new NpgsqlConnectionStringBuilder(Server.ConnectionString) { Password = "wrong" }.ConnectionString;

        var error = await Assert.ThrowsAsync<PostgresException>(() => Sql.ScalarAsync(wrong, "select 1"));

        Assert.Equal(PostgresErrorCodes.InvalidPassword, error.SqlState);
    }

    [Fact]
    public async Task CreateDatabaseAsyncCreatesTheDatabaseAndIsIdempotent()
    {
        var first = await Server.CreateDatabaseAsync("orders_it");
        var second = await Server.CreateDatabaseAsync("orders_it");

        Assert.Equal(first, second);
        Assert.Equal(Server.ConnectionStringFor("orders_it"), first);
        Assert.Equal("orders_it", await Sql.ScalarAsync(first, "select current_database()"));
    }

    [Fact]
    public async Task CreateDatabaseAsyncToleratesConcurrentCreatesOfTheSameName()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Server.CreateDatabaseAsync("raced_db")));

        Assert.Single(results.Distinct());
        Assert.Equal(1L, await Sql.ScalarAsync(Server.ConnectionString, "select count(*) from pg_database where datname = 'raced_db'"));
    }

    [Theory]
    [InlineData("Orders")]
    [InlineData("a-b")]
    [InlineData("abc\n")]
    [InlineData("")]
    [InlineData("x\"; drop database postgres; --")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public async Task CreateDatabaseAsyncRejectsNamesOutsideLowercaseDigitsAndUnderscore(string name)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Server.CreateDatabaseAsync(name));
        Assert.Throws<ArgumentException>(() => Server.ConnectionStringFor(name));
    }
}
