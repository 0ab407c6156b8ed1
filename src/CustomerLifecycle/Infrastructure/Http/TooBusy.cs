using System.Globalization;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>429 with Retry-After: a bounded queue or slot pool is full and the client should come back later.</summary>
public static class TooBusy
{
    public static IResult Problem(HttpContext http, string title, string detail, int retryAfterSeconds)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: title, detail: detail);
    }
}
