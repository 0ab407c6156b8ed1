using CustomerLifecycle.Ingestion;
using JasperFx.Events;
using Marten;
using Npgsql;
using Weasel.Core;
using Wolverine.Marten;

namespace CustomerLifecycle.Infrastructure.Store;

public static class StoreSetup
{
    public const string Schema = "customer_lifecycle";

    public static IServiceCollection AddCustomerLifecycleStore(this IServiceCollection services, string connectionString)
    {
        // One pool for Marten and for our own SQL (the append path, the quarantine), so both see the same limits.
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        services.AddSingleton(dataSource);

        services.AddMarten(opts =>
            {
                opts.Connection(dataSource);
                opts.DatabaseSchemaName = Schema;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);

                // The stream key is the customer's own id as the posting service knows it.
                opts.Events.StreamIdentity = StreamIdentity.AsString;
                opts.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
                opts.Events.MetadataConfig.HeadersEnabled = true;
                foreach (var (name, type) in TouchpointTypes.All)
                {
                    opts.Events.MapEventType(type, name);
                }

                opts.Storage.ExtendedSchemaObjects.AddRange(IngestionSchema.Tables(Schema));
            })
            .IntegrateWithWolverine()
            .UseLightweightSessions()
            // Our append path writes with plain SQL, so every table must exist before the first request.
            .ApplyAllDatabaseChangesOnStartup();
        return services;
    }
}
