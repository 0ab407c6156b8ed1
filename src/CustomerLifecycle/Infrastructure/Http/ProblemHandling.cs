using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// Maps failures to ProblemDetails with deliberate statuses: an unreachable store is 503 with Retry-After (the client
/// should retry; nothing was acknowledged); a request Kestrel refuses while reading it keeps Kestrel's status (413 over
/// the ceiling, 408 for a body slower than the minimum data rate, 400 for a body shorter than its Content-Length);
/// a full queue is 429 with Retry-After; anything else is a logged 500.
/// </summary>
public sealed partial class ProblemHandling(IProblemDetailsService problems, ILogger<ProblemHandling> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        int status;
        string title, detail;
        if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            (status, title, detail) = (413, "Request body too large", "The body exceeds the server's hard request size ceiling and was not read (see docs/api.md, Limits).");
        }
        else if (exception is BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout })
        {
            (status, title, detail) = (408, "Request body too slow", "The body arrived slower than the server's minimum data rate and was not read (see docs/api.md, Limits).");
        }
        else if (exception is BadHttpRequestException bad)
        {
            (status, title, detail) = (bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : 400, "Unreadable request", $"The request could not be read: {bad.Message}");
        }
        else if (exception is QueueFullException full)
        {
            httpContext.Response.Headers.RetryAfter = full.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            (status, title, detail) = (429, "Too many requests in flight", exception.Message);
        }
        else if (exception is Ingestion.Recording.ServiceStoppingException)
        {
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            (status, title, detail) = (503, "Service stopping", exception.Message);
        }
        else if (IsStoreUnavailable(exception))
        {
            LogStoreUnavailable(logger, exception.GetBaseException().Message);
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            (status, title, detail) = (503, "Event store unavailable", "PostgreSQL cannot be reached right now. Nothing from this request was stored; retry later.");
        }
        else
        {
            return false;
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>Connection-level failures only: a constraint violation or a bug must not masquerade as an outage.</summary>
    public static bool IsStoreUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg:
                    // 08: connection exceptions; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03" or "53300";
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                    return true;
                case NpgsqlException when e.InnerException is SocketException or IOException or TimeoutException:
                    return true;
                default:
                    break;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event store unavailable: {Reason}")]
    private static partial void LogStoreUnavailable(ILogger logger, string reason);
}
