using Microsoft.Extensions.Logging;

namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>Log messages of <see cref="PrivatePostgres"/> (source-generated: no boxing or parsing per call).</summary>
internal static partial class PrivatePostgresLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Creating PostgreSQL {Major} data folder {DataDirectory} with {InitDb}")]
    public static partial void Initializing(this ILogger logger, int major, string dataDirectory, string initDb);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created PostgreSQL data folder {DataDirectory} in {ElapsedMs} ms")]
    public static partial void Initialized(this ILogger logger, string dataDirectory, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reusing the PostgreSQL server already running on {DataDirectory} at 127.0.0.1:{Port}")]
    public static partial void Reusing(this ILogger logger, string dataDirectory, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping the PostgreSQL server running on {DataDirectory} at port {RunningPort} to start it on the requested port {Port}")]
    public static partial void StoppingForPortChange(this ILogger logger, string dataDirectory, int runningPort, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Port {Port} was taken before PostgreSQL could listen on it; trying another")]
    public static partial void PortTaken(this ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL {Major} on {DataDirectory} accepts connections at 127.0.0.1:{Port} (started in {ElapsedMs} ms; log: {LogFile})")]
    public static partial void Started(this ILogger logger, int major, string dataDirectory, int port, long elapsedMs, string logFile);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped the PostgreSQL server on {DataDirectory}")]
    public static partial void Stopped(this ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Leaving the PostgreSQL server on {DataDirectory} running at port {Port}")]
    public static partial void LeftRunning(this ILogger logger, string dataDirectory, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not stop the PostgreSQL server on {DataDirectory}")]
    public static partial void StopFailed(this ILogger logger, Exception exception, string dataDirectory);
}
