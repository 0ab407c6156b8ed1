namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>
/// How <see cref="PrivatePostgres"/> should create, start and stop its server.
/// </summary>
public sealed record PrivatePostgresOptions
{
    /// <summary>Name of the environment variable that may point at a folder holding initdb and pg_ctl.</summary>
    public const string BinDirectoryEnvironmentVariable = "CUSTOMERLIFECYCLE_PG_BIN";

    /// <summary>
    /// Absolute path of the cluster's data folder. It is created (initdb) when it holds no PG_VERSION.
    /// A lock file named <c>&lt;DataDirectory&gt;.lock</c> is kept beside it while an instance uses it.
    /// </summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// True keeps PostgreSQL's crash safety. False is for tests: fsync, synchronous_commit and
    /// full_page_writes are turned off (and initdb skips its fsync), which is much faster but
    /// loses data if the machine crashes, and the last commits if the server crashes (pg_ctl stop -m immediate)
    /// unless <see cref="ServerSettings"/> turns synchronous_commit back on.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>
    /// The memory a durable server's buffers and caches are sized from (see <c>DataDirectoryFiles.SizedSettings</c>);
    /// null takes what .NET reports for this machine or container.
    /// </summary>
    public long? MemoryBytes { get; init; }

    /// <summary>max_connections of the server. Tests with many parallel hosts need more than PostgreSQL's 100.</summary>
    public int MaxConnections { get; init; } = 300;

    /// <summary>Fixed TCP port on 127.0.0.1; null picks a free one. The chosen port is kept across <see cref="PrivatePostgres.StartAgainAsync"/>.</summary>
    public int? Port { get; init; }

    /// <summary>Further server settings (name = value), applied after and over the ones above.</summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Folder holding initdb and pg_ctl. When null, <see cref="BinDirectoryEnvironmentVariable"/> is used,
    /// then the newest /usr/lib/postgresql/*/bin, then PATH.
    /// </summary>
    public string? BinDirectory { get; init; }

    /// <summary>How long pg_ctl may wait for the server to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long to wait for the data folder's lock while another process holds it, before failing. Covers a
    /// restart right after a kill, while the killed process's watchdog is still stopping the server.
    /// </summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Stop the server at <see cref="PrivatePostgres.DisposeAsync"/>, at process exit, and (through a watchdog
    /// process) when this process dies without either, when this instance started it.
    /// False leaves it running for the next start to reuse (faster restarts of a dev service).
    /// </summary>
    public bool StopOnDispose { get; init; } = true;

    /// <summary>
    /// Also stop, at dispose and process exit, a server that was already running on the data folder when this
    /// instance started (left behind by a killed process) and that this instance therefore reused.
    /// Off by default: we did not start it, so something else (a psql session, a developer) may be using it.
    /// <see cref="PrivatePostgres.StopAsync"/> always stops it.
    /// </summary>
    public bool StopReusedServer { get; init; }
}
