using CustomerLifecycle.Analytics;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Schema;
using Npgsql;
using Weasel.Core;
using Wolverine.Marten;

namespace CustomerLifecycle.Infrastructure.Store;

public static class StoreSetup
{
    public const string Schema = "customer_lifecycle";

    /// <param name="runProjections">
    /// False for an ingestion-only node (configuration <c>Projections:RunOnThisNode</c>): the node appends and serves
    /// queries but never hosts the projection daemon. Wolverine assigns projection agents only to nodes that declare
    /// the capability, so with mixed nodes the projections run on the others; scale ingestion and projection nodes
    /// apart, and keep the daemon's CPU away from the append path.
    /// </param>
    public static IServiceCollection AddCustomerLifecycleStore(
        this IServiceCollection services, string connectionString, RuleSet rules, bool runProjections = true, JourneyShards? journeyShards = null)
    {
        var shards = journeyShards ?? JourneyShards.One;
        services.AddSingleton(shards);
        // One pool for Marten and for our own SQL (the append path, the quarantine), so both see the same limits.
        var dataSource = new NpgsqlDataSourceBuilder(connectionString).Build();
        services.AddSingleton(dataSource);
        services.AddHostedService<SchemaSetup>();

        services.AddMarten(opts =>
            {
                opts.Connection(dataSource);
                opts.DatabaseSchemaName = Schema;
                ConfigureEventsAndSerializer(opts);

                for (var shard = 0; shard < shards.Count; shard++)
                {
                    var journeys = new CustomerJourneyProjection(rules, dataSource, shards, shard);
                    journeys.Options.BatchSize = 2_000;
                    opts.Projections.Add((Marten.Events.Projections.IProjection)journeys, ProjectionLifecycle.Async, shards.Name(shard));
                }
                // A gap in the event sequence is skipped by the daemon after this long. A large batch reserves its
                // sequence numbers before its COPY; if that takes longer than the threshold under load, the live
                // projection would skip events a rebuild sees. Waiting longer on a rare rolled-back gap is cheaper.
                opts.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(30);
                // How soon the daemon sees new events: Marten's defaults (250 ms when busy, 1 s when quiet) were most of the
                // lag of a projection that keeps up (p50 1.0 s at 1,400 events/s). The high-water query is one index probe.
                opts.Projections.FastPollingTime = TimeSpan.FromMilliseconds(100);
                opts.Projections.SlowPollingTime = TimeSpan.FromMilliseconds(250);
                // mt_version holds the sequence of the last event folded into the journey (JourneyWriter and the bulk
                // rebuild write it), a number as when Marten's own aggregation projection wrote journeys.
                var journeyMapping = opts.Schema.For<CustomerJourney>().UseNumericRevisions(true);
                foreach (var (index, _) in JourneyTables.StagePageIndexes)
                {
                    journeyMapping.IgnoreIndex(index); // ours (JourneyTables.StorageSql): Marten would drop them as unknown
                }

                // Journey values lifted into columns for SQL to filter, sort and join on. Only the sweep's deadline gets an
                // index of its own (Duplicate adds one); the stage pages walk our (stage, column, id) indexes and the rest are
                // read by id. Every index costs each journey update an entry (never a HOT update: the last activity and the
                // deadline move with nearly every event), and the live projection rewrites a journey per event.
                journeyMapping.Duplicate(x => x.NextDueAt!);
                opts.Policies.ForAllDocuments(DuplicateJourneyColumnsWithoutIndexes);

                opts.Storage.ExtendedSchemaObjects.AddRange(IngestionSchema.Tables(Schema));
                opts.Storage.ExtendedSchemaObjects.AddRange(JourneyTables.Tables(Schema));
                opts.Storage.ExtendedSchemaObjects.Add(Privacy.EraseCustomer.ErasureLogTable(Schema));
                opts.AddAnalyticsStorage(Schema);
                opts.Events.AddMaskingRuleForProtectedInformation<ContactDetailsProvided>(Privacy.EraseCustomer.Mask);
            })
            // Wolverine spreads projections over the running nodes (and restarts them elsewhere if a node dies).
            .IntegrateWithWolverine(w => w.UseWolverineManagedEventSubscriptionDistribution = runProjections)
            .UseLightweightSessions();
        return services;
    }

    /// <summary>
    /// The serializer and the event store's shape (string stream keys, the append mode, headers, the event catalogue's
    /// wire names): what anything that reads or writes these events in-process must share with the service.
    /// </summary>
    public static void ConfigureEventsAndSerializer(StoreOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        // Journals hold closed record hierarchies tagged with a type field; jsonb reorders keys, so the tag may
        // not come first when read back.
        opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, json => json.AllowOutOfOrderMetadataProperties = true);

        // The stream key is the customer's own id as the posting service knows it.
        opts.Events.StreamIdentity = StreamIdentity.AsString;
        opts.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        opts.Events.MetadataConfig.HeadersEnabled = true;
        foreach (var (name, type) in TouchpointTypes.All)
        {
            opts.Events.MapEventType(type, name);
        }

        opts.Events.MapEventType<LifecycleDeadlineReached>(LifecycleDeadlineReached.EventTypeName);
        opts.Events.MapEventType<LifecycleClockTicked>(LifecycleClockTicked.EventTypeName);
    }

    private static void DuplicateJourneyColumnsWithoutIndexes(DocumentMapping mapping)
    {
        if (mapping.DocumentType != typeof(CustomerJourney))
        {
            return;
        }

        mapping.DuplicateField(nameof(CustomerJourney.Stage), pgType: "varchar");
        mapping.DuplicateField(nameof(CustomerJourney.StageSince));
        mapping.DuplicateField(nameof(CustomerJourney.LastActivityAt));
        mapping.DuplicateField(nameof(CustomerJourney.AcquisitionChannel));
        mapping.DuplicateField(nameof(CustomerJourney.Cohort));
    }
}
