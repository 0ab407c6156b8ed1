using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CustomerLifecycle.Analytics;
using CustomerLifecycle.Infrastructure.CommandLine;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Infrastructure.Telemetry;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Ingestion.Recording;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.WebConsole;
using JasperFx;
using JasperFx.CodeGeneration;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;
using Wolverine;
using Wolverine.Http;

namespace CustomerLifecycle.Infrastructure;

/// <summary>The whole composition, so Program.cs stays a screenful.</summary>
public static class CustomerLifecycleSetup
{
    public static WebApplicationBuilder AddCustomerLifecycle(this WebApplicationBuilder builder, string connectionString)
    {
        var services = builder.Services;
        if (!builder.Environment.IsDevelopment())
        {
            // One JSON object per log line, for log shippers; development keeps the readable console format.
            builder.Logging.AddJsonConsole();
        }

        builder.Logging.LeaveStartFailuresToTheCommandLine();

        services.AddOptions<IngestionLimits>().BindConfiguration(IngestionLimits.Section).ValidateSettingsOnStart(l => l.Problems());
        var limits = builder.Configuration.GetSection(IngestionLimits.Section).Get<IngestionLimits>() ?? new IngestionLimits();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = limits.HardRequestBodyCeiling;
            // A body slower than this, or headers slower than RequestHeadersTimeout, get 408 instead of holding a
            // connection; out-of-range values are reported by the settings check at start, so fall back to Kestrel's defaults here.
            k.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(
                Math.Max(limits.MinRequestBodyBytesPerSecond, 1), limits.RequestBodyGracePeriod > TimeSpan.FromSeconds(1) ? limits.RequestBodyGracePeriod : TimeSpan.FromSeconds(5));
            k.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout > TimeSpan.Zero ? limits.RequestHeadersTimeout : TimeSpan.FromSeconds(30);
        });

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TouchpointParser(sp.GetRequiredService<IOptions<IngestionLimits>>().Value));
        services.AddSingleton<TouchpointAppender>();
        services.AddSingleton<GroupCommit>();
        services.AddHostedService(sp => sp.GetRequiredService<GroupCommit>());

        services.AddOptions<LifecycleOptions>().BindConfiguration(LifecycleOptions.Section).ValidateSettingsOnStart(o => o.Problems());
        // The rule set is data: thresholds come from configuration (Lifecycle:Rules), checked before anything starts.
        var rules = RuleSet.Default with { };
        builder.Configuration.GetSection("Lifecycle:Rules").Bind(rules);
        if (rules.Validate() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("Lifecycle:Rules is invalid: " + string.Join("; ", problems.Select(p => $"{p.Field} {p.Message}")));
        }

        services.AddSingleton(rules);
        var journeyShards = builder.Configuration.GetValue("Projections:JourneyShards", defaultValue: 1);
        if (journeyShards is < 1 or > Lifecycle.Journeys.JourneyShards.Max)
        {
            throw new InvalidOperationException($"Projections:JourneyShards is {journeyShards}: it must be between 1 and {Lifecycle.Journeys.JourneyShards.Max}.");
        }

        services.AddCustomerLifecycleStore(
            connectionString, rules, builder.Configuration.GetValue("Projections:RunOnThisNode", defaultValue: true), new Lifecycle.Journeys.JourneyShards(journeyShards));
        services.AddSingleton<Operations.ProjectionRebuilds>();
        services.AddSingleton<Lifecycle.Journeys.Rebuilding.JourneyBulkRebuild>();
        services.AddSingleton<Lifecycle.Journeys.Rebuilding.LiveProjectionAgents>();
        services.AddHostedService<Lifecycle.Journeys.Rebuilding.RebuildPauseRecovery>();
        services.AddSingleton<LifecycleSweep>();
        // Not a hosted service: a Wolverine agent runs it on one node of the cluster.
        services.AddSingularAgent<LifecycleSweepAgent>();
        services.AddCustomerLifecycleAnalytics(builder.Configuration);
        services.AddApiKeyAuthentication(builder.Configuration);
        services.AddCustomerLifecycleTelemetry(builder.Configuration);
        services.AddCustomerLifecycleConsole();
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiVocabulary.Rephrase);
        services.AddExceptionHandler<ProblemHandling>();
        var runProjections = builder.Configuration.GetValue("Projections:RunOnThisNode", defaultValue: true);
        services.AddOptions<Operations.ProjectionHealthOptions>().BindConfiguration(Operations.ProjectionHealthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Operations.ProjectionHealthOptions>, Operations.ProjectionHealthOptions.Validator>();
        var health = services.AddHealthChecks()
            .AddCheck<ProcessLiveness>("process", tags: ["live"])
            .AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        if (runProjections)
        {
            // Only projection nodes answer for the read side; an ingestion-only node stays ready while projections lag.
            health.AddCheck<Operations.ProjectionHealthCheck>("projections", tags: ["ready"]);
        }

        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<ApiKeySecurityScheme>();
            o.AddOperationTransformer<JsonRequestBodyTransformer>();
            o.AddDocumentTransformer<ApiReference>();
            o.AddOperationTransformer<ApiReference>();
        });
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.TypeInfoResolver = (o.SerializerOptions.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(ApiVocabulary.NameStoreIds);
        });

        builder.Host.ApplyJasperFxExtensions();
        builder.Host.UseWolverine(opts =>
        {
            // Required when the host is built by WebApplicationFactory, whose entry assembly is the test runner.
            opts.ApplicationAssembly = typeof(CustomerLifecycleSetup).Assembly;
            opts.Policies.AutoApplyTransactions();
            if (builder.Environment.IsDevelopment())
            {
                // One node on a laptop: skip leader election so the projection starts at once, not ~15 s later.
                opts.Durability.Mode = DurabilityMode.Solo;
            }

            // How soon the cluster notices a node that died without saying goodbye and gives its agents (projection
            // shards, the sweep, the CLV refit) to the others: heartbeats every HealthCheckPollingTime, a node silent for
            // StaleNodeTimeout is dropped, and the leader checks assignments every CheckAssignmentPeriod.
            var cluster = builder.Configuration.GetSection("Cluster");
            opts.Durability.HealthCheckPollingTime = cluster.GetValue("HealthCheckPollingTime", TimeSpan.FromSeconds(5));
            opts.Durability.StaleNodeTimeout = cluster.GetValue("StaleNodeTimeout", TimeSpan.FromSeconds(15));
            opts.Durability.CheckAssignmentPeriod = cluster.GetValue("CheckAssignmentPeriod", TimeSpan.FromSeconds(5));

            opts.Policies.UseDurableLocalQueues();
            // Production runs the handler code pre-generated into Internal/Generated (no Roslyn at start-up, less
            // memory); everywhere else it is generated from the live code. After changing an endpoint or handler,
            // regenerate: `dotnet run --project src/CustomerLifecycle -- codegen write` (CI fails when it is stale).
            opts.CodeGeneration.TypeLoadMode = builder.Configuration.GetValue(
                "CodeGeneration:TypeLoadMode", builder.Environment.IsProduction() ? TypeLoadMode.Static : TypeLoadMode.Dynamic);
            opts.AddAnalyticsMessaging();
        });
        services.AddWolverineHttp();
        return builder;
    }

    public static WebApplication UseCustomerLifecycle(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<StrictJsonBodies>();
        app.UseAntiforgery();

        app.MapCustomerLifecycleTelemetry();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = check => check.Tags.Contains("live"), ResponseWriter = HealthReportJson.WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = HealthReportJson.WriteAsync });
        if (StartupRequirements.ServesApiReference(app.Environment, app.Configuration))
        {
            app.MapOpenApi();
            app.MapScalarApiReference("/scalar", scalar =>
            {
                scalar.WithTitle("CustomerLifecycle API");
                if (app.Environment.IsDevelopment())
                {
                    // Only Development accepts this key (appsettings.Development.json), so prefilling it leaks nothing.
                    scalar.AddPreferredSecuritySchemes("ApiKey").AddApiKeyAuthentication("ApiKey", key => key.Value = "dev-key-change-me");
                }
            });
        }
        app.MapCustomerLifecycleConsole();

        app.MapWolverineEndpoints(o =>
        {
            o.RequireAuthorizeOnAll();
            // "limit=ten" is a mistake to report (400), not a value to silently replace with the default.
            o.RejectUnparseableQueryValues = true;
        });
        return app;
    }
}
