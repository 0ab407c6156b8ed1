namespace CustomerLifecycle.Infrastructure.Store;

public static class StoreTime
{
    /// <summary>
    /// "Now" at the precision PostgreSQL stores (microseconds), so a time we answer with before and after a round
    /// trip through the database is the same value.
    /// </summary>
    public static DateTimeOffset Now(this TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.UtcTicks % 10));
    }
}
