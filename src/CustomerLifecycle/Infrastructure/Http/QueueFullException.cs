namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// A bounded queue or slot pool (single-event group commit, CLV fits, imports) is full: the client should slow down and
/// retry after <see cref="RetryAfterSeconds"/> (mapped to 429 with Retry-After), rather than the service growing memory.
/// </summary>
public sealed class QueueFullException(string message, int retryAfterSeconds = 1) : Exception(message)
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
