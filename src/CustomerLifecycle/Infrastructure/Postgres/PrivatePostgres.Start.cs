using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CustomerLifecycle.Infrastructure.Postgres;

public sealed partial class PrivatePostgres
{
    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromMinutes(2);
    private const int PortAttempts = 3;

    private PrivatePostgres(
        PrivatePostgresOptions options, PostgresBinaries binaries, int majorVersion, ServerUser user,
        DataDirectoryFiles files, DataDirectoryLock dataLock, string password, ILogger logger)
    {
        this.options = options;
        this.binaries = binaries;
        this.majorVersion = majorVersion;
        this.user = user;
        this.files = files;
        this.dataLock = dataLock;
        this.password = password;
        this.logger = logger;
    }

    /// <summary>
    /// Takes the data folder's lock, creates the cluster if the folder holds none (initdb), then starts the server
    /// and waits until it accepts connections. If a server is already running on the folder (its starter was killed),
    /// that one is reused on its port, unless <see cref="PrivatePostgresOptions.Port"/> asks for another.
    /// </summary>
    /// <exception cref="PrivatePostgresException">The binaries are missing, the folder is in use, or the server failed (the message includes its log).</exception>
    public static async Task<PrivatePostgres> StartAsync(PrivatePostgresOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException(
                "PrivatePostgres runs PostgreSQL's Unix binaries and does not support Windows. Set ConnectionStrings__Marten to a server of your own.");
        }

        var dataDirectory = NormalizeDataDirectory(options.DataDirectory);
        ValidateOptions(options);
        logger ??= NullLogger.Instance;

        var dataLock = await DataDirectoryLock.AcquireAsync(dataDirectory, options.LockTimeout, ct).ConfigureAwait(false);
        PrivatePostgres? instance = null;
        try
        {
            var files = new DataDirectoryFiles(dataDirectory);
            var existingMajor = files.ReadMajorVersion();
            var binaries = PostgresBinaries.Locate(
                options.BinDirectory,
                Environment.GetEnvironmentVariable(PrivatePostgresOptions.BinDirectoryEnvironmentVariable),
                PostgresBinaries.DebianRoot,
                Environment.GetEnvironmentVariable("PATH"),
                existingMajor);
            var major = await binaries.GetMajorVersionAsync(ct).ConfigureAwait(false);
            var user = await ServerUser.DetectAsync(ct).ConfigureAwait(false);
            await user.EnsureCanEnterAsync(Path.GetDirectoryName(dataDirectory)!, ct).ConfigureAwait(false);

            if (existingMajor is null)
            {
                logger.Initializing(major, dataDirectory, binaries.InitDb);
                var stopwatch = Stopwatch.StartNew();
                await InitializeAsync(binaries, user, options.Durable, dataDirectory, ct).ConfigureAwait(false);
                logger.Initialized(dataDirectory, stopwatch.ElapsedMilliseconds);
            }
            else if (existingMajor != major)
            {
                throw new PrivatePostgresException(
                    $"The data folder {dataDirectory} was made by PostgreSQL {existingMajor}, but the binaries in {binaries.BinDirectory} are PostgreSQL {major}. "
                    + $"Delete the folder to have it created afresh, or point {PrivatePostgresOptions.BinDirectoryEnvironmentVariable} at PostgreSQL {existingMajor}'s bin folder.");
            }

            instance = new PrivatePostgres(options, binaries, major, user, files, dataLock, files.ReadPassword(), logger)
            {
                CreatedDataDirectory = existingMajor is null,
            };
            await instance.OpenAsync(ct).ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += instance.OnProcessExit;
            return instance;
        }
        catch
        {
            // A half-started instance must not keep the folder locked or the server running.
            if (instance is not null)
            {
                await instance.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                dataLock.Dispose();
            }

            throw;
        }
    }

    /// <summary>Reuses a server already running on the data folder, or starts one.</summary>
    private async Task OpenAsync(CancellationToken ct)
    {
        if (files.ReadRunningServerPort() is { } runningPort)
        {
            if (options.Port is null || options.Port == runningPort)
            {
                logger.Reusing(DataDirectory, runningPort);
                Port = runningPort;
                running = true;
                ReusedRunningServer = true;
                ArmWatchdog();
                await WaitUntilAcceptingAsync(options.StartTimeout, ct).ConfigureAwait(false);
                return;
            }

            // It is ours (we hold the lock), but on the wrong port: move it.
            logger.StoppingForPortChange(DataDirectory, runningPort, options.Port.Value);
            running = true;
            await StopServerAsync(ct).ConfigureAwait(false);
        }

        Port = options.Port ?? PickFreePort();
        await StartServerAsync(portMayChange: options.Port is null, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// pg_ctl start on <see cref="Port"/> and wait for connections. A port we picked ourselves can be taken by
    /// another process before the server binds it; then, and only then, another one is tried.
    /// </summary>
    private async Task StartServerAsync(bool portMayChange, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            files.WriteSettings(options, Port);
            await user.GiveAsync([files.SettingsFile], ct).ConfigureAwait(false);
            files.RotateLogIfLarge();
            var logStart = files.LogLength();

            var start = await user.RunAsync(
                binaries.PgCtl,
                ["start", "-D", DataDirectory, "-l", files.LogFile, "-w", "-t", ((int)options.StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)],
                options.StartTimeout + TimeSpan.FromSeconds(15),
                ct).ConfigureAwait(false);
            if (start.Succeeded)
            {
                break;
            }

            var log = files.ReadLogTail(since: logStart);

            // pg_ctl gives up after -t but leaves a slow server starting; don't leave it behind.
            if (files.ReadRunningServerPort() is not null)
            {
                running = true;
                await StopServerAsync(CancellationToken.None).ConfigureAwait(false);
            }

            if (log.Contains("Address already in use", StringComparison.Ordinal))
            {
                if (portMayChange && attempt < PortAttempts)
                {
                    logger.PortTaken(Port);
                    Port = PickFreePort();
                    continue;
                }

                throw new PrivatePostgresException(
                    $"PostgreSQL could not listen on 127.0.0.1:{Port}: the port is in use by another program. "
                    + (portMayChange ? "Try again." : "Free the port, or choose another one (PrivatePostgresOptions.Port).")
                    + ServerFailureDetails(start, log));
            }

            throw new PrivatePostgresException($"The PostgreSQL server on {DataDirectory} did not start." + ServerFailureDetails(start, log));
        }

        running = true;
        startedByUs = true;
        ReusedRunningServer = false;
        ArmWatchdog();
        // The same patience as pg_ctl's: on a loaded machine (CI starts dozens of servers beside the test run) a server
        // that reported itself ready once took two 5 s login attempts without answering, and 10 s failed the start.
        await WaitUntilAcceptingAsync(options.StartTimeout, ct).ConfigureAwait(false);
        logger.Started(majorVersion, DataDirectory, Port, stopwatch.ElapsedMilliseconds, LogFile);
    }

    /// <summary>
    /// pg_ctl -w only knows the server reports itself ready; make sure we can really log in over TCP with our
    /// password (pg_hba, listen address, port) before anyone relies on it.
    /// </summary>
    private async Task WaitUntilAcceptingAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var connection = new NpgsqlConnection(AdminConnectionString());
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(ct).ConfigureAwait(false);
                    var ping = new NpgsqlCommand("select 1", connection);
                    await using (ping.ConfigureAwait(false))
                    {
                        await ping.ExecuteScalarAsync(ct).ConfigureAwait(false);
                    }
                }

                return;
            }
            catch (NpgsqlException e) when (!ct.IsCancellationRequested)
            {
                if (deadline.Elapsed > timeout)
                {
                    throw new PrivatePostgresException(
                        $"The PostgreSQL server on {DataDirectory} does not accept connections at 127.0.0.1:{Port}: {e.Message}"
                        + $"{Environment.NewLine}Server log ({LogFile}):{Environment.NewLine}{files.ReadLogTail()}",
                        e);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
    }

    private string ServerFailureDetails(CommandResult start, string log) =>
        $"{Environment.NewLine}{start.CommandLine}: {start.Output}{Environment.NewLine}Server log ({LogFile}):{Environment.NewLine}{log}";

    /// <summary>
    /// initdb into a staging folder beside the data folder, then rename it into place: a folder with PG_VERSION is
    /// thus always complete (password file and settings include written), even if we are killed half-way.
    /// </summary>
    private static async Task InitializeAsync(PostgresBinaries binaries, ServerUser user, bool durable, string dataDirectory, CancellationToken ct)
    {
        if (Directory.Exists(dataDirectory))
        {
            if (Directory.EnumerateFileSystemEntries(dataDirectory).Any())
            {
                throw new PrivatePostgresException(
                    $"{dataDirectory} is not empty but is no PostgreSQL data folder (it has no PG_VERSION). Empty or delete it, or choose another data folder.");
            }

            Directory.Delete(dataDirectory);
        }

        var staging = dataDirectory + ".initdb";
        var passwordInput = dataDirectory + ".initdb-password";
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true); // left by an interrupted initdb
        }

        try
        {
            // initdb insists on an empty folder, so the password goes in beside it and moves in afterwards.
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException();
            }

            Directory.CreateDirectory(staging, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            DataDirectoryFiles.WritePasswordFile(passwordInput);
            await user.GiveAsync([staging, passwordInput], ct).ConfigureAwait(false);

            List<string> arguments =
            [
                "-D", staging, "--username=" + SuperUser, "--pwfile=" + passwordInput,
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256",
                // C locale: needs no OS locales installed, and sorts the same on every machine.
                "--encoding=UTF8", "--no-locale",
            ];
            if (!durable)
            {
                arguments.Add("--no-sync");
            }

            var initdb = await user.RunAsync(binaries.InitDb, arguments, InitDbTimeout, ct).ConfigureAwait(false);
            if (!initdb.Succeeded)
            {
                throw new PrivatePostgresException($"initdb failed for {dataDirectory}:{Environment.NewLine}{initdb.Output}");
            }

            var staged = new DataDirectoryFiles(staging);
            File.Move(passwordInput, staged.PasswordFile); // keeps its owner and mode 600
            staged.IncludeSettingsFromMainConfig();
            Directory.Move(staging, dataDirectory);
        }
        finally
        {
            File.Delete(passwordInput);
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    /// <summary>Fails before anything is created or locked, rather than after initdb.</summary>
    private static void ValidateOptions(PrivatePostgresOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConnections, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.StartTimeout, TimeSpan.FromSeconds(1), nameof(options));
        if (options.Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Port, "PrivatePostgresOptions.Port must be between 1 and 65535.");
        }

        _ = DataDirectoryFiles.RenderSettings(options, port: 1); // validates ServerSettings
    }

    private static string NormalizeDataDirectory(string dataDirectory)
    {
        if (string.IsNullOrWhiteSpace(dataDirectory) || !Path.IsPathFullyQualified(dataDirectory))
        {
            throw new ArgumentException($"PrivatePostgresOptions.DataDirectory must be an absolute path, not '{dataDirectory}'.", nameof(dataDirectory));
        }

        // pg_ctl passes the path to /bin/sh inside double quotes; these characters would break out of them.
        if (dataDirectory.IndexOfAny(['"', '$', '`', '\\', '\n', '\r']) >= 0)
        {
            throw new ArgumentException($"PrivatePostgresOptions.DataDirectory must not contain \", $, `, \\ or line breaks: '{dataDirectory}'.", nameof(dataDirectory));
        }

        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));
        return Path.GetDirectoryName(full) is null
            ? throw new ArgumentException("PrivatePostgresOptions.DataDirectory cannot be the root folder.", nameof(dataDirectory))
            : full;
    }

    /// <summary>A port nothing listens on right now: the one the OS hands out when we bind to port 0.</summary>
    private static int PickFreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
