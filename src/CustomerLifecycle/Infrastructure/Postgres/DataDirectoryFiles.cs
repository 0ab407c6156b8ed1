using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>The files we read and write inside a data folder.</summary>
internal sealed partial class DataDirectoryFiles(string dataDirectory)
{
    /// <summary>Our settings; postgresql.conf includes it, and we rewrite it before every start.</summary>
    public const string SettingsFileName = "private_postgres.conf";

    public string DataDirectory { get; } = dataDirectory;

    public string SettingsFile => Path.Combine(DataDirectory, SettingsFileName);

    /// <summary>The superuser's password, generated at initdb; only the data folder's owner and root can read it.</summary>
    public string PasswordFile => Path.Combine(DataDirectory, "private_postgres.password");

    /// <summary>Where pg_ctl sends the server's output.</summary>
    public string LogFile => Path.Combine(DataDirectory, "server.log");

    /// <summary>The major version the folder was made with, or null if it is not (yet) a cluster.</summary>
    public int? ReadMajorVersion()
    {
        var path = Path.Combine(DataDirectory, "PG_VERSION");
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            ? major
            : null;
    }

    public string ReadPassword() =>
        File.Exists(PasswordFile)
            ? File.ReadAllText(PasswordFile).Trim()
            : throw new PrivatePostgresException(
                $"{DataDirectory} is a PostgreSQL data folder that PrivatePostgres did not create ({PasswordFile} is missing), so its password is unknown. "
                + "Delete the folder to have it created afresh, or choose another data folder.");

    /// <summary>Writes a new password file (mode 600) and returns the password.</summary>
    public static string WritePasswordFile(string path)
    {
        // Hex only, so it never needs escaping in a connection string or a pwfile.
        var password = System.Security.Cryptography.RandomNumberGenerator.GetHexString(32, lowercase: true);
        File.WriteAllText(path, password + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return password;
    }

    /// <summary>
    /// The port of a server that is running on this folder right now (postmaster.pid names a live postgres
    /// process), or null. Left behind when the process that started it was killed before stopping it.
    /// </summary>
    public int? ReadRunningServerPort()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        string[] lines;
        try
        {
            // The server may be rewriting it (status line) as we read.
            using var stream = new FileStream(pidFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            lines = reader.ReadToEnd().Split('\n');
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        // Line 1 is the postmaster's pid, line 4 its port. A pid that is gone, or now belongs to
        // another program, means the file is stale: pg_ctl start copes with that itself.
        if (lines.Length < 4
            || !int.TryParse(lines[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !int.TryParse(lines[3].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            || !IsLivePostgres(pid))
        {
            return null;
        }

        return port;
    }

    /// <summary>Writes <see cref="SettingsFile"/> with the listen address, port and the options' settings.</summary>
    public void WriteSettings(PrivatePostgresOptions options, int port) => File.WriteAllText(SettingsFile, RenderSettings(options, port));

    /// <summary>The text of <see cref="SettingsFile"/>; throws <see cref="ArgumentException"/> for a setting that cannot be written safely.</summary>
    public static string RenderSettings(PrivatePostgresOptions options, int port)
    {
        var settings = new List<KeyValuePair<string, string>>
        {
            new("listen_addresses", "127.0.0.1"),
            new("port", port.ToString(CultureInfo.InvariantCulture)),
            // No Unix socket: nothing of ours uses it, and its path is limited to 107 characters,
            // which deep data folders (and the default /var/run/postgresql, root-only to create) break.
            new("unix_socket_directories", string.Empty),
            new("max_connections", options.MaxConnections.ToString(CultureInfo.InvariantCulture)),
            // JIT compilation pays off only for long scans with heavy expressions. Our statements are short, and the
            // planner's estimates for the analytics queries (a funnel's generate_series guesses 995 steps a customer
            // where there are 6) put them over jit_above_cost: at 200,000 customers the funnel spent 1.5 s of its
            // 1.6 s compiling, and took 0.34 s without JIT.
            new("jit", "off"),
        };
        if (!options.Durable)
        {
            settings.Add(new("fsync", "off"));
            settings.Add(new("synchronous_commit", "off"));
            settings.Add(new("full_page_writes", "off"));
        }
        else
        {
            settings.AddRange(SizedSettings(options.MemoryBytes ?? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        }

        settings.AddRange(options.ServerSettings);

        var text = new StringBuilder()
            .AppendLine("# Written by CustomerLifecycle's PrivatePostgres before every start; edits here are lost.");
        foreach (var (name, value) in settings)
        {
            if (!SettingName().IsMatch(name) || value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Invalid PostgreSQL server setting '{name}' = '{value}'.", nameof(options));
            }

            // Quoted values are valid for every setting type; inside quotes ' doubles and \ escapes.
            text.Append(name).Append(" = '")
                .Append(value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal))
                .AppendLine("'");
        }

        return text.ToString();
    }

    /// <summary>
    /// Settings for a server that keeps real data, sized to the machine's memory. PostgreSQL's defaults suit a
    /// laptop sharing its memory with everything else (128 MB of buffers, a checkpoint every 1 GB of WAL); the
    /// store's hot set is the journey documents and their indexes (about 4.5 GB at a million customers), and every
    /// page first written after a checkpoint costs a full 8 KB image in the WAL: at the default 1 GB the live
    /// projection wrote 0.83 such images per event. lz4 (built into Debian's server) compresses those images, and
    /// TOASTed values in every table, several times faster than the default pglz (the journey documents' column asks
    /// for lz4 itself: JourneyTables.StorageSql).
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> SizedSettings(long memoryBytes)
    {
        const long Mb = 1024 * 1024;
        var memoryMb = Math.Max(memoryBytes / Mb, 1024);
        yield return new("shared_buffers", Megabytes(Math.Clamp(memoryMb / 4, 128, 4096)));
        yield return new("effective_cache_size", Megabytes(memoryMb / 2));
        // Index builds (the rebuild indexes its new tables at the end) and vacuum.
        yield return new("maintenance_work_mem", Megabytes(Math.Clamp(memoryMb / 32, 64, 1024)));
        yield return new("work_mem", Megabytes(Math.Clamp(memoryMb / 1024, 4, 32)));
        yield return new("max_wal_size", Megabytes(Math.Clamp(memoryMb / 4, 1024, 8192)));
        yield return new("min_wal_size", Megabytes(Math.Clamp(memoryMb / 32, 80, 1024)));
        yield return new("checkpoint_timeout", "15min");
        yield return new("wal_compression", "lz4");
        yield return new("default_toast_compression", "lz4");
    }

    private static string Megabytes(long mb) => string.Create(CultureInfo.InvariantCulture, $"{mb}MB");

    /// <summary>Makes postgresql.conf (fresh from initdb) read our settings last, so they win over its defaults.</summary>
    public void IncludeSettingsFromMainConfig() =>
        File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), $"{Environment.NewLine}include = '{SettingsFileName}'{Environment.NewLine}");

    /// <summary>Keeps a long-lived data folder's log from growing without bound: one old generation is kept.</summary>
    public void RotateLogIfLarge()
    {
        var log = new FileInfo(LogFile);
        if (log.Exists && log.Length > 10 * 1024 * 1024)
        {
            log.MoveTo(LogFile + ".1", overwrite: true);
        }
    }

    /// <summary>Current size of the server log, to read later only what one start wrote.</summary>
    public long LogLength()
    {
        var log = new FileInfo(LogFile);
        return log.Exists ? log.Length : 0;
    }

    /// <summary>The end of the server log (from byte <paramref name="since"/> on), to explain a failure.</summary>
    public string ReadLogTail(int lineCount = 30, long since = 0)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.Seek(Math.Min(since, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().TrimEnd().Split('\n');
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - lineCount)));
        }
        catch (IOException)
        {
            return "(no server log)";
        }
        catch (UnauthorizedAccessException)
        {
            return "(server log not readable)";
        }
    }

    private static bool IsLivePostgres(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.ProcessName == "postgres";
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    // \z, not $: $ also matches before a final line break, which would start a line of its own in the file.
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.]*\z")]
    private static partial Regex SettingName();
}
