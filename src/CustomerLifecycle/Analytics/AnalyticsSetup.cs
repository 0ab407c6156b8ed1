using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Importing;
using CustomerLifecycle.Infrastructure;
using Marten;
using Wolverine;

namespace CustomerLifecycle.Analytics;

/// <summary>The analytics slice's share of the composition: imports, CLV fits and their views.</summary>
public static class AnalyticsSetup
{
    public static IServiceCollection AddCustomerLifecycleAnalytics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ImportLimits>().BindConfiguration(ImportLimits.Section).ValidateSettingsOnStart(l => l.Problems());
        services.AddOptions<ClvDefaults>().BindConfiguration(ClvDefaults.Section).ValidateSettingsOnStart(d => d.Problems());
        var weights = configuration.GetSection(ChurnSignalWeights.Section).Get<ChurnSignalWeights>() ?? new ChurnSignalWeights();
        if (weights.Validate() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException($"{ChurnSignalWeights.Section} is invalid: " + string.Join("; ", problems.Select(p => $"{p.Key} {string.Join(", ", p.Value)}")));
        }

        services.AddSingleton(Microsoft.Extensions.Options.Options.Create(weights));
        services.AddSingleton<TransactionImporter>();
        services.AddSingleton<ImportSlots>();
        services.AddSingleton<ClvSources>();
        services.AddSingleton<ClvFitter>();
        // Not a hosted service: a Wolverine agent runs it on one node of the cluster.
        services.AddSingleton<ClvRefitSchedule>();
        services.AddSingularAgent<ClvRefitScheduleAgent>();
        return services;
    }

    public static void AddAnalyticsStorage(this StoreOptions opts, string schema)
    {
        ArgumentNullException.ThrowIfNull(opts);
        opts.Schema.For<ClvSnapshot>()
            .Duplicate(x => x.Status, pgType: "varchar")
            .Duplicate(x => x.FullScope)
            .Duplicate(x => x.RequestedAt)
            .Duplicate(x => x.CompletedAt!);
        opts.Storage.ExtendedSchemaObjects.Add(ClvResults.Definition(schema));
    }

    /// <summary>Fits run one at a time per node (they are CPU-bound) from a durable queue, so an accepted fit survives a restart.</summary>
    public static void AddAnalyticsMessaging(this WolverineOptions opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        opts.PublishMessage<FitClvModel>().ToLocalQueue(ClvFits.Queue);
        opts.LocalQueue(ClvFits.Queue).Sequential();
    }
}
