using Microsoft.AspNetCore.Localization;

namespace CustomerLifecycle.WebConsole.Shell;

/// <summary>
/// The console's words. Pages ask <c>IStringLocalizer&lt;ConsoleText&gt;</c> for the English text, which is its own
/// key; ConsoleText.zh-Hans.resx holds the Simplified Chinese. Missing translations show in English.
/// </summary>
public sealed class ConsoleText
{
    public const string English = "en";
    public const string SimplifiedChinese = "zh-Hans";

    public static readonly string[] Cultures = [English, SimplifiedChinese];

    /// <summary>The language cookie: a year, sent on top-level navigation, readable only by the server.</summary>
    public static void Choose(HttpResponse response, string culture)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { MaxAge = TimeSpan.FromDays(365), HttpOnly = true, SameSite = SameSiteMode.Lax, IsEssential = true, Path = "/" });
    }
}
