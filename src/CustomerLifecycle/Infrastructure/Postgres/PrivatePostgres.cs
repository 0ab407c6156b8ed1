using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>
/// A PostgreSQL server of our own, run from the machine's PostgreSQL binaries on a data folder we own,
/// listening on 127.0.0.1 only. The service uses it when no connection string is configured; the
/// integration tests use it as their database. Start it with <see cref="StartAsync"/>.
/// </summary>
/// <remarks>
/// Stopping: <see cref="DisposeAsync"/> stops the server (see <see cref="PrivatePostgresOptions.StopOnDispose"/>);
/// a host should also call <see cref="StopAsync"/> from IHostApplicationLifetime.ApplicationStopping. As a last
/// resort it is stopped when the process exits (AppDomain.ProcessExit: Main returned without disposing us), and a
/// watchdog process stops it when our process dies any other way (Ctrl-C, SIGTERM or SIGKILL without orderly shutdown,
/// which do not raise ProcessExit). Should a server still be left running, the next start on its data folder reuses it.
/// </remarks>
public sealed partial class PrivatePostgres : IAsyncDisposable
{
    public const string SuperUser = "postgres";

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(60);

    private readonly PrivatePostgresOptions options;
    private readonly PostgresBinaries binaries;
    private readonly ServerUser user;
    private readonly DataDirectoryFiles files;
    private readonly DataDirectoryLock dataLock;
    private readonly string password;
    private readonly int majorVersion;
    private readonly ILogger logger;

    // Start, stop and dispose run one at a time; the ProcessExit handler only reads "running".
    private readonly SemaphoreSlim gate = new(1, 1);
    private volatile bool running;
    private bool startedByUs;
    private bool disposed;
    private ServerWatchdog? watchdog;

    /// <summary>127.0.0.1 port the server listens on; the same after <see cref="StartAgainAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>The cluster's data folder (absolute, normalised).</summary>
    public string DataDirectory => files.DataDirectory;

    /// <summary>True when this start ran initdb; false when the data folder already held a cluster.</summary>
    public bool CreatedDataDirectory { get; private init; }

    /// <summary>True when a server was already running on the data folder and was reused instead of started.</summary>
    public bool ReusedRunningServer { get; private set; }

    /// <summary>The server's log file, inside the data folder.</summary>
    public string LogFile => files.LogFile;

    /// <summary>Connection string for the superuser to the <c>postgres</c> database.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>Connection string for the superuser to <paramref name="database"/> (which must exist: see <see cref="CreateDatabaseAsync"/>).</summary>
    public string ConnectionStringFor(string database)
    {
        ValidateDatabaseName(database);
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = SuperUser,
            Password = password,
            Database = database,
        }.ConnectionString;
    }

    /// <summary>
    /// Creates <paramref name="name"/> unless it exists (also when another caller creates it at the same time)
    /// and returns its connection string. Names are limited to [a-z0-9_] so they never need quoting elsewhere.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken ct = default)
    {
        ValidateDatabaseName(name);
        ObjectDisposedException.ThrowIf(disposed, this);

        var connection = new NpgsqlConnection(AdminConnectionString());
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            var exists = new NpgsqlCommand("select 1 from pg_database where datname = $1", connection) { Parameters = { new() { Value = name } } };
            await using (exists.ConfigureAwait(false))
            {
                if (await exists.ExecuteScalarAsync(ct).ConfigureAwait(false) is not null)
                {
                    return ConnectionStringFor(name);
                }
            }

            // CREATE DATABASE takes no parameters; the name was validated above.
            var create = new NpgsqlCommand($"create database \"{name}\"", connection);
            await using (create.ConfigureAwait(false))
            {
                try
                {
                    await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }
                catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
                {
                    // Someone else created it between our check and our create: that is what we wanted.
                }
            }
        }

        return ConnectionStringFor(name);
    }

    /// <summary>Stops the server (pg_ctl stop -m fast: open sessions are disconnected). Does nothing if it is not running.</summary>
    public Task StopAsync(CancellationToken ct = default) => StopAsync("fast", ct);

    /// <summary>
    /// Stops the server as a crash would (pg_ctl stop -m immediate: no checkpoint, open transactions lost); the next
    /// start recovers from the WAL. Outage tests use it. Does nothing if it is not running.
    /// </summary>
    public Task StopImmediatelyAsync(CancellationToken ct = default) => StopAsync("immediate", ct);

    private async Task StopAsync(string mode, CancellationToken ct)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await StopServerAsync(ct, mode).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Starts the server again after <see cref="StopAsync"/>, on the same data folder and the same port, so
    /// existing connection strings work again (tests use it to simulate an outage and recovery). Does nothing if a
    /// server is running on the data folder; starts one if it was stopped or died (even if <see cref="StopAsync"/> was not called).
    /// </summary>
    public async Task StartAgainAsync(CancellationToken ct = default)
    {
        await gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            // Ask the data folder, not our flag: the server may have been killed behind our back.
            running = files.ReadRunningServerPort() is not null;
            if (!running)
            {
                await StartServerAsync(portMayChange: false, ct).ConfigureAwait(false);
            }

            ArmWatchdog();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops the server and starts it again on the same port.</summary>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync(ct).ConfigureAwait(false);
        await StartAgainAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the server if this instance started it (and <see cref="PrivatePostgresOptions.StopOnDispose"/>), or if it
    /// reused one and <see cref="PrivatePostgresOptions.StopReusedServer"/>; then frees the data folder for other instances.
    /// A failure to stop is logged, not thrown, so the lock is always released.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
            if (running && ShouldStopAtExit)
            {
                try
                {
                    await StopServerAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (PrivatePostgresException e)
                {
                    logger.StopFailed(e, DataDirectory);
                }
            }
            else if (running)
            {
                logger.LeftRunning(DataDirectory, Port);
            }

            dataLock.Dispose();
        }
        finally
        {
            gate.Release();
        }
    }

    private bool ShouldStopAtExit => startedByUs ? options.StopOnDispose : options.StopReusedServer;

    // Best effort for a process whose Main returns (or calls Environment.Exit) without disposing us. Signals and
    // kills do not get here: the watchdog covers those. Synchronous by necessity; no gate, as a stop may hold it.
    private void OnProcessExit(object? sender, EventArgs e)
    {
        if (!running || disposed || !ShouldStopAtExit)
        {
            return;
        }

        try
        {
            StopServerAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (PrivatePostgresException)
        {
            // Nothing left to report to. The watchdog tries again once we are gone.
        }
    }

    private async Task StopServerAsync(CancellationToken ct, string mode = "fast")
    {
        if (!running)
        {
            return;
        }

        var stop = await user.RunAsync(binaries.PgCtl, StopArguments(mode), StopTimeout + TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);

        // "PID file ... does not exist" or "could not send stop signal ... No such process": it was already stopped
        // (by someone else) or has died - which is what we wanted.
        if (!stop.Succeeded
            && !stop.Output.Contains("does not exist", StringComparison.Ordinal)
            && !stop.Output.Contains("No such process", StringComparison.Ordinal))
        {
            throw new PrivatePostgresException(
                $"Could not stop the PostgreSQL server on {DataDirectory}: {stop.Output}{Environment.NewLine}Server log ({LogFile}):{Environment.NewLine}{files.ReadLogTail()}");
        }

        running = false;
        logger.Stopped(DataDirectory);

        // Only now: should the stop have failed, the watchdog still stops the server when we die.
        watchdog?.Dispose();
        watchdog = null;
    }

    /// <summary>Makes sure a watchdog stops the server if our process dies without stopping it (see <see cref="ServerWatchdog"/>).</summary>
    private void ArmWatchdog()
    {
        if (watchdog is null && running && ShouldStopAtExit)
        {
            var (program, arguments) = user.Wrap(binaries.PgCtl, StopArguments());
            watchdog = ServerWatchdog.Start(DataDirectoryLock.PathFor(DataDirectory), program, arguments);
        }
    }

    private List<string> StopArguments(string mode = "fast") =>
        ["stop", "-D", DataDirectory, "-m", mode, "-w", "-t", ((int)StopTimeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private string AdminConnectionString() =>
        new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString;

    private static void ValidateDatabaseName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"Database name '{name}' is not allowed: use 1 to 63 characters of a-z, 0-9 and _.", nameof(name));
        }
    }

    // \z, not $: $ also matches before a final line break.
    [GeneratedRegex(@"^[a-z0-9_]{1,63}\z")]
    private static partial Regex DatabaseName();
}
