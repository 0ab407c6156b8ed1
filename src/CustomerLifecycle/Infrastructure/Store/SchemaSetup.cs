using CustomerLifecycle.Lifecycle.Journeys;
using Marten;

namespace CustomerLifecycle.Infrastructure.Store;

/// <summary>
/// Brings the database schema up to date before anything else starts: Marten's tables and ours (the ingestion path
/// writes with plain SQL, so they must exist before the first request), then the triggers that mirror journeys
/// into flat tables (which need Marten's document table to exist, and must be in place before the projection
/// daemon writes its first journey). Registered before Marten and Wolverine, so it runs first.
/// </summary>
public sealed class SchemaSetup(IDocumentStore store, Npgsql.NpgsqlDataSource dataSource) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => ApplyAsync(store, dataSource, cancellationToken);

    /// <summary>Also for commands that use the store without starting the host (import-transactions).</summary>
    public static async Task ApplyAsync(IDocumentStore store, Npgsql.NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        // Before Marten's migration, which may drop columns that retired triggers still read.
        await using (var retired = dataSource.CreateCommand(JourneyTables.RetiredTriggersSql(StoreSetup.Schema)))
        {
            await retired.ExecuteNonQueryAsync(cancellationToken);
        }

        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        await using var command = dataSource.CreateCommand(JourneyTables.TriggerSql(StoreSetup.Schema) + JourneyTables.StorageSql(StoreSetup.Schema));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
