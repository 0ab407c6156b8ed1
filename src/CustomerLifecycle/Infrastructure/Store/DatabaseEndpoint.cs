using CustomerLifecycle.Infrastructure.Postgres;

namespace CustomerLifecycle.Infrastructure.Store;

/// <summary>
/// Where the event store lives: the server named by ConnectionStrings:Marten, or - when none is configured, in
/// Development or with PrivatePostgres:Enabled=true - a private PostgreSQL that we start from the machine's binaries
/// (data under the repository's .data/ folder) and stop with the service. That is what lets a fresh clone run with one
/// command and nothing started by hand; a production node never falls back on it by accident.
/// </summary>
public static partial class DatabaseEndpoint
{
    public const string DatabaseName = "customer_lifecycle";

    /// <summary>
    /// A connection string that is never opened, for commands that need no database (help, an import through the
    /// running service): the services are composed as usual, but nothing starts or waits for a server.
    /// </summary>
    public const string Unused = "Host=127.0.0.1;Port=1;Database=" + DatabaseName + ";Timeout=1";

    /// <summary>
    /// The service's private server keeps its WAL small: it holds development and demo data, where a few hundred MB
    /// of recycled WAL segments after an import is waste. Checkpoints come at 512 MB of WAL at the latest, and
    /// between them PostgreSQL recycles segments down to 80 MB; no segments are kept for replicas.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> BoundedWal = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["max_wal_size"] = "512MB",
        ["min_wal_size"] = "80MB",
        ["wal_keep_size"] = "0",
    };

    public static async Task<string> ResolveAsync(WebApplicationBuilder builder, bool needed = true)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (builder.Configuration.GetConnectionString("Marten") is { Length: > 0 } configured)
        {
            return configured;
        }

        if (!needed)
        {
            return Unused;
        }

        if (!StartupRequirements.MayStartPrivatePostgres(builder.Environment, builder.Configuration))
        {
            throw new StartupRefusedException(StartupRequirements.Unmet(builder.Environment, builder.Configuration)!);
        }

        using var loggers = LoggerFactory.Create(logging => logging.AddConsole());
        var logger = loggers.CreateLogger<PrivatePostgres>();
        var dataDirectory = builder.Configuration["PrivatePostgres:DataDirectory"]
                            ?? Path.Combine(RepositoryRootOf(builder.Environment.ContentRootPath), ".data", "postgres");
        var server = await PrivatePostgres.StartAsync(new PrivatePostgresOptions { DataDirectory = Path.GetFullPath(dataDirectory), ServerSettings = BoundedWal }, logger);
        var connectionString = await server.CreateDatabaseAsync(DatabaseName);
        LogPrivateServer(logger, server.Port, server.DataDirectory);

        // Registered before Marten and Wolverine, so it stops after them (hosted services stop in reverse order).
        builder.Services.AddSingleton(server);
        builder.Services.AddHostedService<PrivatePostgresLifetime>();
        return connectionString;
    }

    private static string RepositoryRootOf(string contentRoot)
    {
        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CustomerLifecycle.sln")))
            {
                return dir.FullName;
            }
        }

        return contentRoot;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No ConnectionStrings:Marten configured: using a private PostgreSQL on 127.0.0.1:{Port} with data in {DataDirectory}")]
    private static partial void LogPrivateServer(ILogger logger, int port, string dataDirectory);

    private sealed class PrivatePostgresLifetime(PrivatePostgres server) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
    }
}
