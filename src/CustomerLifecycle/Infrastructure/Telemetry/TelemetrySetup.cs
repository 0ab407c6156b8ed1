using CustomerLifecycle.Infrastructure.Security;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CustomerLifecycle.Infrastructure.Telemetry;

/// <summary>
/// OpenTelemetry traces (ASP.NET Core, Npgsql, Wolverine, Marten) and metrics (ours, ASP.NET Core, the runtime,
/// Npgsql, Wolverine, Marten): Prometheus text at /metrics for the operate scope, and OTLP when
/// OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the standard OTEL_* variables).
/// </summary>
public static class TelemetrySetup
{
    public const string MetricsPath = "/metrics";

    public static IServiceCollection AddCustomerLifecycleTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<LifecycleMetrics>();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("CustomerLifecycle"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddNpgsql()
                .AddSource("Wolverine", "Marten"))
            .WithMetrics(metrics => metrics
                .AddMeter(LifecycleMetrics.MeterName, "Wolverine*", "Marten*", "Npgsql")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }

        return services;
    }

    public static WebApplication MapCustomerLifecycleTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(Scopes.Operate);
        return app;
    }
}
