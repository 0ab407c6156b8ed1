using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// Builders for facts about one customer, made from real touchpoint records through LifecycleFact.From.
/// Each fact gets the next store sequence number when it is built, so building order is arrival order;
/// it is recorded when it occurred unless a test says otherwise.
/// </summary>
internal static class TestFacts
{
    public const string CustomerId = "c-1";

    public static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static long sequence;

    public static DateTimeOffset Day(double day) => Epoch.AddDays(day);

    public static LifecycleFact Fact(Touchpoint evt, DateTimeOffset? recordedAt = null)
    {
        var next = Interlocked.Increment(ref sequence);
        return LifecycleFact.From(evt, EventId(next), TouchpointTypes.NameOf[evt.GetType()], next, recordedAt ?? evt.OccurredAt);
    }

    public static Guid EventId(long sequenceNumber)
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes, sequenceNumber);
        return new Guid(bytes);
    }

    /// <summary>The same fact, but learned later (a late arrival).</summary>
    public static LifecycleFact RecordedOn(this LifecycleFact fact, DateTimeOffset recordedAt) => fact with { RecordedAt = recordedAt };

    public static LifecycleFact Ad(DateTimeOffset at, string channel = "search", string? campaign = "spring") =>
        Fact(new AdShown(CustomerId, at, "ads", Channel: channel, Campaign: campaign));

    public static LifecycleFact Visit(DateTimeOffset at) => Fact(new SiteVisited(CustomerId, at, "web", Page: "/pricing"));

    public static LifecycleFact Lead(DateTimeOffset at) => Fact(new LeadCaptured(CustomerId, at, "crm", Channel: "webinar"));

    public static LifecycleFact SignUp(DateTimeOffset at) => Fact(new SignedUp(CustomerId, at, "web", Channel: "organic", Plan: "basic"));

    public static LifecycleFact ContactDetails(DateTimeOffset at) =>
        Fact(new ContactDetailsProvided(CustomerId, at, "web", Name: "Ada Lovelace", Email: "ada@example.org", Phone: "+44 20 7946 0000"));

    public static LifecycleFact ContactSupport(DateTimeOffset at) => Fact(new SupportContacted(CustomerId, at, "helpdesk", Channel: "phone", Topic: "billing"));

    public static LifecycleFact TrialStart(DateTimeOffset at) => Fact(new TrialStarted(CustomerId, at, "web", Plan: "pro", EndsAt: at.AddDays(14)));

    public static LifecycleFact TrialEnd(DateTimeOffset at, TrialOutcome outcome) => Fact(new TrialEnded(CustomerId, at, "web", Outcome: outcome, Plan: "pro"));

    public static LifecycleFact Buy(DateTimeOffset at, decimal amount = 50m, string currency = "EUR", string orderId = "o-1") =>
        Fact(new PurchaseCompleted(CustomerId, at, "shop", OrderId: orderId, Amount: amount, Currency: currency));

    public static LifecycleFact Refund(DateTimeOffset at, decimal amount, string currency = "EUR", string orderId = "o-1") =>
        Fact(new RefundIssued(CustomerId, at, "shop", OrderId: orderId, Amount: amount, Currency: currency, Reason: "damaged"));

    public static LifecycleFact Subscribe(DateTimeOffset at, string subscriptionId = "s-1", decimal? amount = 10m) =>
        Fact(new SubscriptionStarted(
            CustomerId, at, "billing", SubscriptionId: subscriptionId, Plan: "pro", Amount: amount, Currency: amount is null ? null : "EUR", Interval: BillingInterval.Month));

    public static LifecycleFact Renew(DateTimeOffset at, string subscriptionId = "s-1", decimal? amount = null) =>
        Fact(new SubscriptionRenewed(CustomerId, at, "billing", SubscriptionId: subscriptionId, Amount: amount, Currency: amount is null ? null : "EUR"));

    public static LifecycleFact Cancel(DateTimeOffset at, string subscriptionId = "s-1") =>
        Fact(new SubscriptionCancelled(CustomerId, at, "billing", SubscriptionId: subscriptionId, Reason: "too expensive"));

    public static LifecycleFact Complain(DateTimeOffset at, string complaintId = "k-1", ComplaintSeverity? severity = ComplaintSeverity.High) =>
        Fact(new ComplaintFiled(CustomerId, at, "helpdesk", ComplaintId: complaintId, Category: "delivery", Severity: severity));

    public static LifecycleFact Resolve(DateTimeOffset at, string complaintId = "k-1") =>
        Fact(new ComplaintResolved(CustomerId, at, "helpdesk", ComplaintId: complaintId, Resolution: "refunded"));

    public static LifecycleFact Nps(DateTimeOffset at, int score) => Fact(new SurveyAnswered(CustomerId, at, "survey", SurveyId: "nps-q1", Kind: SurveyKind.Nps, Score: score));

    public static LifecycleFact Csat(DateTimeOffset at, int score) => Fact(new SurveyAnswered(CustomerId, at, "survey", SurveyId: "csat-1", Kind: SurveyKind.Csat, Score: score));

    public static LifecycleFact Refer(DateTimeOffset at) => Fact(new ReferralMade(CustomerId, at, "web", ReferredCustomerId: "friend-1", Channel: "email"));

    public static LifecycleFact Tier(DateTimeOffset at, string tier) => Fact(new MembershipTierChanged(CustomerId, at, "loyalty", Tier: tier));

    public static LifecycleFact EarnPoints(DateTimeOffset at, int points) => Fact(new LoyaltyPointsEarned(CustomerId, at, "loyalty", Points: points));

    public static LifecycleFact RedeemPoints(DateTimeOffset at, int points) => Fact(new LoyaltyPointsRedeemed(CustomerId, at, "loyalty", Points: points));
}
