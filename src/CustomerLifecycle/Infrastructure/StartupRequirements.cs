using CustomerLifecycle.Infrastructure.Security;

namespace CustomerLifecycle.Infrastructure;

/// <summary>
/// What a deployment must configure before the service starts. Development runs on its defaults (a private
/// PostgreSQL, the development key) and the test host configures its own keys; anywhere else a missing store or a missing key is a mistake to stop at,
/// not a default to fall back on: the service would otherwise start against a throw-away database or refuse every caller.
/// </summary>
public static class StartupRequirements
{
    public const string PrivatePostgresEnabled = "PrivatePostgres:Enabled";
    public const string ApiReferenceEnabled = "ApiReference:Enabled";

    /// <summary>Development and Testing (the test host's environment) may rely on the defaults.</summary>
    public static bool UsesDefaults(IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return environment.IsDevelopment() || environment.IsEnvironment("Testing");
    }

    /// <summary>Whether to start a private PostgreSQL when no connection string is configured: asked for, or Development.</summary>
    public static bool MayStartPrivatePostgres(IHostEnvironment environment, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return configuration.GetValue(PrivatePostgresEnabled, defaultValue: environment.IsDevelopment());
    }

    /// <summary>Whether /openapi and /scalar are served: configured, or Development.</summary>
    public static bool ServesApiReference(IHostEnvironment environment, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return configuration.GetValue(ApiReferenceEnabled, defaultValue: environment.IsDevelopment());
    }

    /// <summary>
    /// Refuses to start the service (or a command that uses the store) when a requirement is unmet; commands that need no
    /// database (help, usage, the import through a running service) run anywhere.
    /// </summary>
    public static void ThrowIfUnmet(IHostEnvironment environment, IConfiguration configuration, bool needsDatabase)
    {
        if (needsDatabase && Unmet(environment, configuration) is { } unmet)
        {
            throw new StartupRefusedException(unmet);
        }
    }

    /// <summary>The first requirement not met, as one line naming the setting; null when the service may start.</summary>
    public static string? Unmet(IHostEnvironment environment, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Marten")) && !MayStartPrivatePostgres(environment, configuration))
        {
            return "ConnectionStrings:Marten is not set (environment ConnectionStrings__Marten): outside Development the service needs the PostgreSQL "
                   + $"to use, or {PrivatePostgresEnabled}=true to start a private one.";
        }

        if (!UsesDefaults(environment)
            && !configuration.GetSection($"{ApiKeySettings.Section}:ApiKeys").GetChildren().Any(key => !string.IsNullOrWhiteSpace(key["Sha256"])))
        {
            return $"{ApiKeySettings.Section}:ApiKeys has no key with a Sha256 (environment Auth__ApiKeys__0__Name, __Sha256, __Scopes__0): "
                   + "outside Development at least one API key must be configured.";
        }

        return null;
    }
}

/// <summary>The service may not start as configured; the message names the setting.</summary>
public sealed class StartupRefusedException(string message) : Exception(message);
