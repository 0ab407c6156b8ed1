namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>
/// The private PostgreSQL server could not be set up, started or stopped. The message says why and,
/// where the server itself failed, ends with the last lines of its log.
/// </summary>
public sealed class PrivatePostgresException : Exception
{
    public PrivatePostgresException()
    {
    }

    public PrivatePostgresException(string message)
        : base(message)
    {
    }

    public PrivatePostgresException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
