using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CustomerLifecycle.DemoData.Generation;

/// <summary>
/// One customer's touchpoints as they are generated, written in the wire format of docs/events.md (camelCase
/// fields, snake_case enums, money with at most two decimals, timestamps in UTC to the second). Anything dated at or
/// after the end of the year has not happened yet and is dropped; each method says whether its fact happened.
/// </summary>
internal sealed class CustomerTimeline(string customerId, DateTimeOffset end)
{
    // Relaxed escaping keeps names and '+' readable in --out files; the bodies are JSON for an API, not HTML.
    private static readonly JsonSerializerOptions WireJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<(DateTimeOffset At, string Type, string Source, JsonObject Data)> facts = [];

    public string CustomerId => customerId;

    public bool IsBeforeEnd(DateTimeOffset at) => Second(at) < end;

    public bool AdShown(DateTimeOffset at, string channel, string? campaign) =>
        Add(at, "ad_shown", "ad-server", Data(("channel", channel), ("campaign", campaign)));

    public bool AdClicked(DateTimeOffset at, string channel, string? campaign) =>
        Add(at, "ad_clicked", "ad-server", Data(("channel", channel), ("campaign", campaign)));

    public bool SiteVisited(DateTimeOffset at, string page, string? channel, string? campaign) =>
        Add(at, "site_visited", "web-analytics", Data(("page", page), ("channel", channel), ("campaign", campaign)));

    public bool LeadCaptured(DateTimeOffset at, string channel, string? campaign) =>
        Add(at, "lead_captured", "crm", Data(("channel", channel), ("campaign", campaign)));

    public bool SignedUp(DateTimeOffset at, string channel, string? campaign, string plan) =>
        Add(at, "signed_up", "accounts", Data(("channel", channel), ("campaign", campaign), ("plan", plan)));

    public bool ContactDetailsProvided(DateTimeOffset at, string name, string? email, string? phone) =>
        Add(at, "contact_details_provided", "accounts", Data(("name", name), ("email", email), ("phone", phone)));

    public bool TrialStarted(DateTimeOffset at, string plan, DateTimeOffset endsAt) =>
        Add(at, "trial_started", "billing", Data(("plan", plan), ("endsAt", Timestamp(endsAt))));

    public bool TrialEnded(DateTimeOffset at, string outcome, string plan) =>
        Add(at, "trial_ended", "billing", Data(("outcome", outcome), ("plan", plan)));

    public bool PurchaseCompleted(DateTimeOffset at, string orderId, decimal amount, string currency, JsonArray items) =>
        Add(at, "purchase_completed", "web-shop", Data(("orderId", orderId), ("amount", amount), ("currency", currency), ("items", items)));

    public bool RefundIssued(DateTimeOffset at, string orderId, decimal amount, string currency, string reason) =>
        Add(at, "refund_issued", "web-shop", Data(("orderId", orderId), ("amount", amount), ("currency", currency), ("reason", reason)));

    public bool SubscriptionStarted(DateTimeOffset at, string subscriptionId, string plan, decimal amount, string currency, string interval) =>
        Add(at, "subscription_started", "billing",
            Data(("subscriptionId", subscriptionId), ("plan", plan), ("amount", amount), ("currency", currency), ("interval", interval)));

    public bool SubscriptionRenewed(DateTimeOffset at, string subscriptionId, decimal amount, string currency) =>
        Add(at, "subscription_renewed", "billing", Data(("subscriptionId", subscriptionId), ("amount", amount), ("currency", currency)));

    public bool SubscriptionCancelled(DateTimeOffset at, string subscriptionId, string reason) =>
        Add(at, "subscription_cancelled", "billing", Data(("subscriptionId", subscriptionId), ("reason", reason)));

    public bool ComplaintFiled(DateTimeOffset at, string complaintId, string category, string severity) =>
        Add(at, "complaint_filed", "support-desk", Data(("complaintId", complaintId), ("category", category), ("severity", severity)));

    public bool ComplaintResolved(DateTimeOffset at, string complaintId, string resolution) =>
        Add(at, "complaint_resolved", "support-desk", Data(("complaintId", complaintId), ("resolution", resolution)));

    public bool SurveyAnswered(DateTimeOffset at, string surveyId, string kind, int score) =>
        Add(at, "survey_answered", "survey-tool", Data(("surveyId", surveyId), ("kind", kind), ("score", score)));

    public bool SupportContacted(DateTimeOffset at, string channel, string topic) =>
        Add(at, "support_contacted", "support-desk", Data(("channel", channel), ("topic", topic)));

    public bool ReferralMade(DateTimeOffset at, string referredCustomerId, string channel) =>
        Add(at, "referral_made", "referrals", Data(("referredCustomerId", referredCustomerId), ("channel", channel)));

    public bool LoyaltyPointsEarned(DateTimeOffset at, int points, string reason) =>
        Add(at, "loyalty_points_earned", "loyalty", Data(("points", points), ("reason", reason)));

    public bool LoyaltyPointsRedeemed(DateTimeOffset at, int points, string reason) =>
        Add(at, "loyalty_points_redeemed", "loyalty", Data(("points", points), ("reason", reason)));

    public bool MembershipTierChanged(DateTimeOffset at, string tier, string? previousTier) =>
        Add(at, "membership_tier_changed", "loyalty", Data(("tier", tier), ("previousTier", previousTier)));

    /// <summary>
    /// Numbers the facts in business order (the event id is the customer id plus that number, so ids are stable and
    /// unique) and writes their JSON. A share of them is marked to arrive late: never the first (the customer is
    /// known before anything arrives late) nor the last (a late fact is older than something already known).
    /// </summary>
    public IReadOnlyList<GeneratedTouchpoint> Finish(DemoRandom random, double lateShare)
    {
        var ordered = facts.Select((fact, index) => (fact, index)).OrderBy(x => x.fact.At).ThenBy(x => x.index).Select(x => x.fact);
        var touchpoints = new List<GeneratedTouchpoint>(facts.Count);
        var number = 0;
        foreach (var (at, type, source, data) in ordered)
        {
            number++;
            var eventId = $"{customerId}-{number.ToString("D4", CultureInfo.InvariantCulture)}";
            var json = new JsonObject
            {
                ["eventId"] = eventId,
                ["customerId"] = customerId,
                ["type"] = type,
                ["occurredAt"] = Timestamp(at),
                ["source"] = source,
                ["data"] = data,
            };
            var late = number > 1 && number < facts.Count && random.Chance(lateShare);
            touchpoints.Add(new GeneratedTouchpoint(eventId, customerId, type, at, late, json.ToJsonString(WireJson)));
        }

        return touchpoints;
    }

    public static string Timestamp(DateTimeOffset at) => Second(at).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private bool Add(DateTimeOffset at, string type, string source, JsonObject data)
    {
        at = Second(at);
        if (at >= end)
        {
            return false;
        }

        facts.Add((at, type, source, data));
        return true;
    }

    private static DateTimeOffset Second(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    private static JsonObject Data(params (string Name, JsonNode? Value)[] fields)
    {
        var data = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                data[name] = value;
            }
        }

        return data;
    }
}
