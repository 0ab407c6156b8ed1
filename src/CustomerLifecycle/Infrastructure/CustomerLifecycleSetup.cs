using System.Text.Json;
using System.Text.Json.Serialization;
using CustomerLifecycle.Analytics;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
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

        services.AddOptions<IngestionLimits>().BindConfiguration(IngestionLimits.Section);
        var limits = builder.Configuration.GetSection(IngestionLimits.Section).Get<IngestionLimits>() ?? new IngestionLimits();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = limits.HardRequestBodyCeiling);

        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new TouchpointParser(sp.GetRequiredService<IOptions<IngestionLimits>>().Value));
        services.AddSingleton<TouchpointAppender>();
        services.AddSingleton<GroupCommit>();
        services.AddHostedService(sp => sp.GetRequiredService<GroupCommit>());

        services.AddOptions<LifecycleOptions>().BindConfiguration(LifecycleOptions.Section);
        // The rule set is data: thresholds come from configuration (Lifecycle:Rules), checked before anything starts.
        var rules = RuleSet.Default with { };
        builder.Configuration.GetSection("Lifecycle:Rules").Bind(rules);
        if (rules.Validate() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("Lifecycle:Rules is invalid: " + string.Join("; ", problems.Select(p => $"{p.Field} {p.Message}")));
        }

        services.AddSingleton(rules);
        services.AddCustomerLifecycleStore(connectionString, rules, builder.Configuration.GetValue("Projections:RunOnThisNode", defaultValue: true));
        services.AddSingleton<Operations.ProjectionRebuilds>();
        services.AddSingleton<Lifecycle.Journeys.Rebuilding.JourneyBulkRebuild>();
        services.AddSingleton<Lifecycle.Journeys.Rebuilding.LiveProjectionAgents>();
        services.AddHostedService<Lifecycle.Journeys.Rebuilding.RebuildPauseRecovery>();
        services.AddSingleton<LifecycleSweep>();
        services.AddSingleton<Lifecycle.Stages.TimeInStageReports>();
        services.AddHostedService(sp => sp.GetRequiredService<LifecycleSweep>());
        services.AddCustomerLifecycleAnalytics(builder.Configuration);
        services.AddApiKeyAuthentication(builder.Configuration);
        services.AddCustomerLifecycleConsole();
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemHandling>();
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("postgres", tags: ["ready"]);
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer<ApiKeySecurityScheme>();
            o.AddOperationTransformer<JsonRequestBodyTransformer>();
        });
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
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
        app.UseAntiforgery();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready") });
        app.MapOpenApi();
        app.MapScalarApiReference("/scalar");
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
