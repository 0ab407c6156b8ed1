using System.Security.Claims;
using CustomerLifecycle.Infrastructure.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.WebConsole.SigningIn;

/// <summary>
/// A console session: who signed in (the key's configured name), with which key (its hash, never the key) and the
/// key's scopes. The cookie is encrypted by ASP.NET Core's data protection; each request re-reads the key's
/// configuration, so revoking a key or changing its scopes takes effect on open sessions too.
/// </summary>
public static class ConsoleSession
{
    public const string Scheme = "ConsoleSession";
    public const string ScopeClaim = "scope";
    private const string KeyHashClaim = "key_sha256";

    public static ClaimsPrincipal Principal(ApiKeyOptions key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var claims = new List<Claim> { new(ClaimTypes.Name, key.Name), new(KeyHashClaim, key.Sha256.Trim().ToLowerInvariant()) };
        claims.AddRange(key.Scopes.Select(s => new Claim(ScopeClaim, s)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme));
    }

    public static async Task RevalidateAsync(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var settings = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<ApiKeySettings>>().CurrentValue;
        var hash = context.Principal?.FindFirst(KeyHashClaim)?.Value;
        var key = hash is null ? null : settings.FindByHash(hash);
        if (key is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        var scopes = context.Principal!.FindAll(ScopeClaim).Select(c => c.Value).Order(StringComparer.Ordinal);
        if (!scopes.SequenceEqual(key.Scopes.Order(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            context.ReplacePrincipal(Principal(key));
            context.ShouldRenew = true;
        }
    }

    /// <summary>Where to go after signing in: a path on this site, never another site (an open redirect).</summary>
    public static string LocalOrHome(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}
