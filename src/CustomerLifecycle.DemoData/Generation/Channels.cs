namespace CustomerLifecycle.DemoData.Generation;

/// <summary>How people first reach us through one channel.</summary>
internal enum FirstTouch
{
    /// <summary>A paid click that lands on the site (search, affiliate).</summary>
    Click,

    /// <summary>Impressions first; some of them clicked (social, display).</summary>
    Impressions,

    /// <summary>A visit straight away (newsletter link, typed address, a friend's link).</summary>
    Visit,
}

/// <summary>
/// One acquisition channel: its share of new people, how it first touches them, and its funnel. Rates are
/// probabilities: <see cref="Engage"/> of raising a hand (lead or sign-up), <see cref="Buy"/> of an engaged person
/// buying, <see cref="GuestBuy"/> of someone who never engages buying anyway (guest checkout), <see cref="Trial"/>
/// of a sign-up trying Plus, <see cref="TrialConversion"/> of that trial turning into a paid subscription.
/// </summary>
internal sealed record AcquisitionChannel(
    string Name, double Share, FirstTouch Touch, double Engage, double Buy, double GuestBuy, double Trial, double TrialConversion,
    IReadOnlyList<string> Campaigns, string LandingPage);

internal static class Channels
{
    public const string Referral = "referral";

    public static readonly IReadOnlyList<AcquisitionChannel> Acquired =
    [
        new("search", 0.26, FirstTouch.Click, Engage: 0.60, Buy: 0.75, GuestBuy: 0.15, Trial: 0.25, TrialConversion: 0.45,
            ["brand-search", "generic-hiking-boots", "generic-rain-jackets", "shopping-feed"], "/search-landing"),
        new("social", 0.22, FirstTouch.Impressions, Engage: 0.40, Buy: 0.55, GuestBuy: 0.05, Trial: 0.20, TrialConversion: 0.35,
            ["spring-trails-reels", "summer-festival-carousel", "autumn-layers-stories", "creator-collab-q4"], "/lookbook"),
        new("email", 0.12, FirstTouch.Visit, Engage: 0.65, Buy: 0.70, GuestBuy: 0.10, Trial: 0.30, TrialConversion: 0.50,
            ["newsletter-weekly", "partner-list-outdoor", "new-arrivals-digest"], "/new-arrivals"),
        new("affiliate", 0.10, FirstTouch.Click, Engage: 0.55, Buy: 0.65, GuestBuy: 0.15, Trial: 0.20, TrialConversion: 0.40,
            ["trailreviews-top10", "cashback-portal", "voucher-site"], "/deals"),
        new("direct", 0.18, FirstTouch.Visit, Engage: 0.70, Buy: 0.80, GuestBuy: 0.20, Trial: 0.25, TrialConversion: 0.50,
            [], "/"),
        new("display", 0.12, FirstTouch.Impressions, Engage: 0.30, Buy: 0.50, GuestBuy: 0.03, Trial: 0.15, TrialConversion: 0.35,
            ["retargeting-cart", "winter-sale-banner", "programmatic-awareness"], "/sale"),
    ];

    /// <summary>Friends referred by a customer: the warmest channel.</summary>
    public static readonly AcquisitionChannel ReferredFriend =
        new(Referral, 0, FirstTouch.Visit, Engage: 0.80, Buy: 0.85, GuestBuy: 0.10, Trial: 0.30, TrialConversion: 0.55, ["refer-a-friend"], "/invite");

    public static readonly IReadOnlyList<(AcquisitionChannel Item, double Weight)> Mix = [.. Acquired.Select(c => (c, c.Share))];
}

/// <summary>Where a customer lives: currency, price level, and the locales (with a phone format each) their fake contact details come from.</summary>
internal sealed record Market(string Currency, decimal PriceFactor, decimal PlusMonthly, decimal PlusQuarterly, IReadOnlyList<(string Locale, string PhoneFormat)> Locales)
{
    public static readonly IReadOnlyList<(Market Item, double Weight)> Mix =
    [
        (new Market("EUR", 1.00m, 9.99m, 26.99m,
            [("de", "+49 30 #######"), ("fr", "+33 1 ## ## ## ##"), ("nl", "+31 20 ### ####"), ("es", "+34 91 ### ## ##"), ("it", "+39 06 ########")]), 0.70),
        (new Market("GBP", 0.85m, 8.99m, 23.99m, [("en_GB", "+44 20 #### ####"), ("en_GB", "07### ######")]), 0.18),
        (new Market("USD", 1.10m, 10.99m, 29.99m, [("en_US", "+1 (###) ###-####"), ("en_US", "(###) ###-####")]), 0.12),
    ];
}
