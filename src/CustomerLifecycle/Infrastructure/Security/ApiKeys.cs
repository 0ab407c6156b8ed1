using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Infrastructure.Security;

/// <summary>The three things a caller may be allowed to do. Each is an authorization policy of the same name.</summary>
public static class Scopes
{
    public const string Ingest = "ingest";
    public const string Read = "read";
    public const string Operate = "operate";
    public static readonly string[] All = [Ingest, Read, Operate];
}

/// <summary>One configured key. Only its SHA-256 is configured, never the key itself.</summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public List<string> Scopes { get; set; } = [];
}

public sealed class ApiKeySettings
{
    public const string Section = "Auth";
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

/// <summary>
/// Reads the key from <c>X-Api-Key</c> or <c>Authorization: ApiKey …</c> / <c>Bearer …</c>, hashes it and looks the
/// hash up. Looking up the hash (not the key) means configuration holds nothing that would let a reader call us.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptionsMonitor<ApiKeySettings> settings)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var match = settings.CurrentValue.Find(presented);
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        claims.AddRange(match.Scopes.Select(s => new Claim("scope", s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "ApiKey header=\"X-Api-Key\"";
        var presented = ReadKey(Request) is not null;
        await Results.Problem(
                statusCode: 401,
                title: presented ? "The API key is not valid" : "An API key is required",
                detail: presented
                    ? "The key sent is not configured here (or was revoked). Check for typos or ask an operator for a key."
                    : "Send a key in the X-Api-Key header (or Authorization: ApiKey <key>).")
            .ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Results.Problem(
                statusCode: 403,
                title: "This API key lacks the scope this endpoint needs",
                detail: "Scopes are ingest, read and operate; ask an operator for a key with the right one.")
            .ExecuteAsync(Context);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string? ReadKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue("X-Api-Key", out var header) && !string.IsNullOrWhiteSpace(header))
        {
            return header.ToString().Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        foreach (var prefix in new[] { "ApiKey ", "Bearer " })
        {
            if (authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return authorization[prefix.Length..].Trim();
            }
        }

        return null;
    }
}

public static class ApiKeySetup
{
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiKeySettings>(configuration.GetSection(ApiKeySettings.Section));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddScopePolicies();
        return services;
    }

    /// <summary>
    /// The API's policies authenticate with the key scheme only, whatever the default scheme: a console session cookie
    /// never opens an API endpoint, so the API stays header-only (and needs no CSRF defence).
    /// </summary>
    private static AuthorizationBuilder AddScopePolicies(this AuthorizationBuilder builder)
    {
        builder.SetDefaultPolicy(new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build());
        foreach (var scope in Scopes.All)
        {
            builder.AddPolicy(scope, policy => policy.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().RequireClaim("scope", scope));
        }

        return builder;
    }

    /// <summary>The configured key whose hash matches <paramref name="key"/>, or null; compared in constant time.</summary>
    public static ApiKeyOptions? Find(this ApiKeySettings settings, string key) => settings.FindByHash(ApiKeyAuthenticationHandler.Hash(key));

    public static ApiKeyOptions? FindByHash(this ApiKeySettings settings, string hash)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var presented = Encoding.ASCII.GetBytes(hash);
        return settings.ApiKeys.FirstOrDefault(k => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(k.Sha256.Trim().ToLowerInvariant()), presented));
    }
}
