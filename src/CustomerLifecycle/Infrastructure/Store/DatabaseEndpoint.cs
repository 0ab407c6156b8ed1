namespace CustomerLifecycle.Infrastructure.Store;

/// <summary>Where the event store lives: the configured server, or a private one we start ourselves.</summary>
public sealed record DatabaseEndpoint(string ConnectionString)
{
    public static Task<DatabaseEndpoint> ResolveAsync(WebApplicationBuilder builder) =>
        Task.FromResult(new DatabaseEndpoint(builder.Configuration.GetConnectionString("Marten")
            ?? throw new InvalidOperationException("ConnectionStrings:Marten is not set.")));
}
