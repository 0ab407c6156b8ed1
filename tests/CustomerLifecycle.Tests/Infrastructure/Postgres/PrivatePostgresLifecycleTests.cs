using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CustomerLifecycle.Infrastructure.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Infrastructure.Postgres;

/// <summary>Start, stop, restart, reuse and failures, each on a data folder of its own.</summary>
public sealed class PrivatePostgresLifecycleTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestDataFolder folder = new();

    public void Dispose() => folder.Dispose();

    private PrivatePostgresOptions TestOptions => new() { DataDirectory = folder.DataDirectory, Durable = false };

    [Fact]
    public async Task DurableServerIsSizedToTheMemoryItIsGivenAndTakesLz4()
    {
        // A durable server gets settings sized to the machine; the server must accept every one of them (an
        // unknown value, or lz4 in a build without it, would stop it from starting) and a TOASTed value must use lz4.
        await using var server = await PrivatePostgres.StartAsync(new PrivatePostgresOptions
        {
            DataDirectory = folder.DataDirectory,
            MemoryBytes = 8L * 1024 * 1024 * 1024,
            ServerSettings = new Dictionary<string, string> { ["work_mem"] = "5MB" },
        });

        async Task<object?> Setting(string name) => await Sql.ScalarAsync(server.ConnectionString, $"select current_setting('{name}')");

        Assert.Equal("on", await Setting("fsync"));
        Assert.Equal("on", await Setting("synchronous_commit"));
        Assert.Equal("2GB", await Setting("shared_buffers"));
        Assert.Equal("4GB", await Setting("effective_cache_size"));
        Assert.Equal("2GB", await Setting("max_wal_size"));
        Assert.Equal("15min", await Setting("checkpoint_timeout"));
        Assert.Equal("lz4", await Setting("wal_compression"));
        Assert.Equal("5MB", await Setting("work_mem")); // explicit settings still win
        var method = await Sql.ScalarAsync(
            server.ConnectionString,
            "create table toasted (v text); insert into toasted select string_agg(md5(i::text), '') from generate_series(1, 400) i; select pg_column_compression(v) from toasted");
        Assert.Equal("lz4", method);
    }

    [Fact]
    public async Task TheServicesDevelopmentServerKeepsItsWalBounded()
    {
        await using var server = await PrivatePostgres.StartAsync(new PrivatePostgresOptions
        {
            DataDirectory = folder.DataDirectory,
            MemoryBytes = 8L * 1024 * 1024 * 1024,
            ServerSettings = CustomerLifecycle.Infrastructure.Store.DatabaseEndpoint.BoundedWal,
        });

        async Task<object?> Setting(string name) => await Sql.ScalarAsync(server.ConnectionString, $"select current_setting('{name}')");

        Assert.Equal(("512MB", "80MB", "0"), (await Setting("max_wal_size"), await Setting("min_wal_size"), await Setting("wal_keep_size")));
    }

    [Fact]
    public async Task StopThenStartAgainUsesTheSamePortAndKeepsTheData()
    {
        await using var server = await PrivatePostgres.StartAsync(TestOptions);
        var database = await server.CreateDatabaseAsync("outage");
        await Sql.ScalarAsync(database, "create table t (v int); insert into t values (42)");
        var port = server.Port;

        await server.StopAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => Sql.ScalarAsync(database, "select 1"));
        await server.StopAsync(); // idempotent

        var stopwatch = Stopwatch.StartNew();
        await server.StartAgainAsync();
        output.WriteLine($"start again took {stopwatch.ElapsedMilliseconds} ms");

        Assert.Equal(port, server.Port);
        Assert.Equal(42, await Sql.ScalarAsync(database, "select v from t"));

        await server.RestartAsync();
        Assert.Equal(port, server.Port);
        Assert.Equal(42, await Sql.ScalarAsync(database, "select v from t"));
    }

    [Fact]
    public async Task StartOnAnExistingDataDirectorySkipsInitdbAndIsFast()
    {
        var cold = Stopwatch.StartNew();
        await using (var first = await PrivatePostgres.StartAsync(TestOptions))
        {
            cold.Stop();
            Assert.True(first.CreatedDataDirectory);
            await first.CreateDatabaseAsync("kept");
        }

        var warm = Stopwatch.StartNew();
        await using var second = await PrivatePostgres.StartAsync(TestOptions);
        warm.Stop();
        output.WriteLine($"cold start (initdb + start): {cold.ElapsedMilliseconds} ms; warm start: {warm.ElapsedMilliseconds} ms");

        Assert.False(second.CreatedDataDirectory);
        Assert.False(second.ReusedRunningServer); // the first one stopped it at dispose
        Assert.Equal("kept", await Sql.ScalarAsync(second.ConnectionStringFor("kept"), "select current_database()"));
        Assert.True(warm.Elapsed < TimeSpan.FromSeconds(10), $"warm start took {warm.Elapsed}");
    }

    [Fact]
    public async Task SecondStartOnADataDirectoryInUseFailsNamingTheFolder()
    {
        await using var server = await PrivatePostgres.StartAsync(TestOptions);

        var error = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(TestOptions));

        Assert.Contains(folder.DataDirectory, error.Message, StringComparison.Ordinal);
        Assert.Contains("already in use", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await Sql.ScalarAsync(server.ConnectionString, "select 1")); // the first one is unharmed
    }

    [Fact]
    public async Task ServerLeftRunningByAnEarlierInstanceIsReusedAndOnlyStoppedWhenAsked()
    {
        int port;
        await using (var leaver = await PrivatePostgres.StartAsync(TestOptions with { StopOnDispose = false }))
        {
            port = leaver.Port;
        }

        await using (var reuser = await PrivatePostgres.StartAsync(TestOptions))
        {
            Assert.True(reuser.ReusedRunningServer);
            Assert.Equal(port, reuser.Port);
            Assert.Equal(1, await Sql.ScalarAsync(reuser.ConnectionString, "select 1"));
        }

        // Not ours, so left running by default...
        await using (var stopper = await PrivatePostgres.StartAsync(TestOptions with { StopReusedServer = true }))
        {
            Assert.True(stopper.ReusedRunningServer);
        }

        // ...but stopped when asked to.
        Assert.False(File.Exists(Path.Combine(folder.DataDirectory, "postmaster.pid")));
    }

    [Fact]
    public async Task RunningServerOnAnotherPortIsMovedToTheRequestedPort()
    {
        await using (var leaver = await PrivatePostgres.StartAsync(TestOptions with { StopOnDispose = false }))
        {
            Assert.True(leaver.Port > 0);
        }

        var requested = FreePort();
        await using var server = await PrivatePostgres.StartAsync(TestOptions with { Port = requested });

        Assert.False(server.ReusedRunningServer);
        Assert.Equal(requested, server.Port);
        Assert.Equal(1, await Sql.ScalarAsync(server.ConnectionString, "select 1"));
    }

    [Fact]
    public async Task ServerKilledHardCanBeStartedAgain()
    {
        await using var server = await PrivatePostgres.StartAsync(TestOptions);
        var pidFile = Path.Combine(folder.DataDirectory, "postmaster.pid");
        using (var postmaster = Process.GetProcessById(int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture)))
        {
            postmaster.Kill(); // SIGKILL: postmaster.pid stays behind, stale
            await postmaster.WaitForExitAsync();
        }

        Assert.True(File.Exists(pidFile));
        var stopwatch = Stopwatch.StartNew();
        await server.StartAgainAsync();
        output.WriteLine($"start again after SIGKILL took {stopwatch.ElapsedMilliseconds} ms");

        Assert.Equal(1, await Sql.ScalarAsync(server.ConnectionString, "select 1"));
    }

    [Fact]
    public async Task FixedPortInUseFailsWithAClearMessage()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;

        var error = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(TestOptions with { Port = port }));
        output.WriteLine(error.Message);

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("in use", error.Message, StringComparison.Ordinal);
        Assert.Contains("Address already in use", error.Message, StringComparison.Ordinal); // from the server log
    }

    [Fact]
    public async Task ServerThatFailsToStartReportsItsLogAndFreesTheFolder()
    {
        var bad = TestOptions with { ServerSettings = new Dictionary<string, string> { ["no_such_setting"] = "1" } };

        var error = await Assert.ThrowsAsync<PrivatePostgresException>(() => PrivatePostgres.StartAsync(bad));
        output.WriteLine(error.Message);

        Assert.Contains("did not start", error.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_setting", error.Message, StringComparison.Ordinal);

        // Lock released and settings rewritten: fixing the options is enough.
        await using var server = await PrivatePostgres.StartAsync(TestOptions);
        Assert.False(server.CreatedDataDirectory);
    }

    [Fact]
    public async Task BogusBinDirectoryInOptionsFailsWithInstallInstructions()
    {
        var error = await Assert.ThrowsAsync<PrivatePostgresException>(
            () => PrivatePostgres.StartAsync(TestOptions with { BinDirectory = "/nonexistent/pg/bin" }));

        Assert.Contains("/nonexistent/pg/bin", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install postgresql-15", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings__Marten", error.Message, StringComparison.Ordinal);

        // The lock was released on the way out.
        using var relock = new FileStream(folder.DataDirectory + ".lock", FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    [Theory]
    [InlineData("work_mem\nfsync", "on")]
    [InlineData("work mem", "8MB")]
    [InlineData("work_mem", "8MB\nfsync = on")]
    public async Task UnsafeServerSettingsAreRejectedBeforeAnythingIsCreated(string name, string value)
    {
        var options = TestOptions with { ServerSettings = new Dictionary<string, string> { [name] = value } };

        await Assert.ThrowsAsync<ArgumentException>(() => PrivatePostgres.StartAsync(options));
        Assert.False(Directory.Exists(folder.DataDirectory));
    }

    [Fact]
    public async Task RelativeDataDirectoryIsRejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => PrivatePostgres.StartAsync(new PrivatePostgresOptions { DataDirectory = "relative/data" }));
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
