using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Ingestion.Rejections;
using CustomerLifecycle.WebConsole.Shell;
using CustomerLifecycle.WebConsole.SigningIn;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Localization;
using Marten;
using Npgsql;
using Radzen;

namespace CustomerLifecycle.WebConsole;

/// <summary>Policies of the console pages: the same scopes as the API, carried by the console's session cookie.</summary>
public static class ConsolePolicies
{
    public const string Read = "console-read";
    public const string Operate = "console-operate";
}

/// <summary>
/// The web console: Blazor pages (interactive on the server) at <c>/</c> of the same service, signed in with an API
/// key that becomes a session cookie. The API keeps authenticating with the key header only (see ApiKeySetup).
/// </summary>
public static class ConsoleSetup
{
    /// <summary>Picks the key scheme when a request carries a key, the session cookie otherwise.</summary>
    public const string KeyOrSessionScheme = "KeyOrSession";

    public static IServiceCollection AddCustomerLifecycleConsole(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddRadzenComponents();
        services.AddLocalization();
        services.AddCascadingAuthenticationState();
        services.AddHttpContextAccessor();

        // The default scheme only fills HttpContext.User for endpoints without a scheme of their own: the console pages
        // and Blazor's circuit connection, which must see the session. Every API policy names the key scheme itself.
        services.AddAuthentication(o => o.DefaultScheme = KeyOrSessionScheme)
            .AddPolicyScheme(KeyOrSessionScheme, "API key or console session", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey("X-Api-Key") || context.Request.Headers.Authorization.Count > 0
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : ConsoleSession.Scheme)
            .AddCookie(ConsoleSession.Scheme, o =>
            {
                o.Cookie.Name = "customer-lifecycle-console";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/sign-in";
                o.AccessDeniedPath = "/forbidden";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Events.OnValidatePrincipal = ConsoleSession.RevalidateAsync;
            });

        services.AddAuthorizationBuilder()
            .AddPolicy(ConsolePolicies.Read, p => p.AddAuthenticationSchemes(ConsoleSession.Scheme).RequireClaim(ConsoleSession.ScopeClaim, Scopes.Read))
            .AddPolicy(ConsolePolicies.Operate, p => p.AddAuthenticationSchemes(ConsoleSession.Scheme).RequireClaim(ConsoleSession.ScopeClaim, Scopes.Operate));
        return services;
    }

    public static WebApplication MapCustomerLifecycleConsole(this WebApplication app)
    {
        // The console's language comes from its own cookie only: the API's answers never depend on the caller's culture.
        app.UseRequestLocalization(o =>
        {
            o.SetDefaultCulture(ConsoleText.English).AddSupportedCultures(ConsoleText.Cultures).AddSupportedUICultures(ConsoleText.Cultures);
            o.RequestCultureProviders = [new CookieRequestCultureProvider()];
        });
        app.MapStaticAssets();
        app.MapGet("/culture", IResult (HttpContext http, string? culture, string? returnUrl) =>
        {
            if (culture is null || !ConsoleText.Cultures.Contains(culture, StringComparer.Ordinal))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["culture"] = [$"must be one of {string.Join(", ", ConsoleText.Cultures)}"] });
            }

            ConsoleText.Choose(http.Response, culture);
            return TypedResults.LocalRedirect(ConsoleSession.LocalOrHome(returnUrl));
        }).AllowAnonymous().ExcludeFromDescription();

        // Downloads for console sessions, answered by the API's own endpoint methods (which want the key header).
        app.MapGet("/console/churn-risk.csv", async Task<IResult> (HttpContext http, IQuerySession session, NpgsqlDataSource dataSource, Guid? snapshotId, string? sort, string? stage, string? segment, string? cohort, string? channel) =>
        {
            var csv = await GetChurnRisk.Get(http, session, dataSource, http.RequestAborted, snapshotId, sort ?? "risk", stage, segment, cohort, channel, format: "csv");
            return csv;
        })
            .RequireAuthorization(ConsolePolicies.Read).ExcludeFromDescription();
        app.MapGet("/console/rejections/{id:long}/payload", async Task<IResult> (long id, NpgsqlDataSource dataSource, HttpContext http) =>
        {
            var payload = await GetRejections.GetPayload(id, dataSource, http, http.RequestAborted);
            return payload;
        })
            .RequireAuthorization(ConsolePolicies.Operate).ExcludeFromDescription();
        app.MapRazorComponents<ConsoleApp>().AddInteractiveServerRenderMode();
        // A form post from the layout; the antiforgery token keeps other sites from signing people out.
        app.MapPost("/sign-out", async Task<IResult> (HttpContext http) =>
        {
            if (http.Features.Get<IAntiforgeryValidationFeature>() is not { IsValid: true })
            {
                return TypedResults.Problem(statusCode: 400, title: "Sign-out needs the form's antiforgery token", detail: "Sign out with the button on a console page.");
            }

            await http.SignOutAsync(ConsoleSession.Scheme);
            return TypedResults.LocalRedirect("/sign-in");
        }).WithMetadata(new RequireAntiforgeryTokenAttribute()).ExcludeFromDescription();
        return app;
    }
}
