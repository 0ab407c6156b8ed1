using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

public class LifecycleFactTests
{
    private static readonly DateTimeOffset At = Day(1);

    /// <summary>One of every catalogued touchpoint, with the detail each must become.</summary>
    private static readonly Dictionary<Type, (Touchpoint Event, FactDetail Detail)> Samples = new()
    {
        [typeof(AdShown)] = (new AdShown("c", At, "s", Channel: "search", Campaign: "spring"), new Awareness("search", "spring")),
        [typeof(AdClicked)] = (new AdClicked("c", At, "s", Channel: "social"), new Awareness("social", null)),
        [typeof(SiteVisited)] = (new SiteVisited("c", At, "s", Page: "/", Channel: "direct", Campaign: "x"), new Awareness("direct", "x")),
        [typeof(LeadCaptured)] = (new LeadCaptured("c", At, "s", Channel: "webinar", Campaign: "y"), new Engagement(EngagementKind.Lead, "webinar", "y")),
        [typeof(SignedUp)] = (new SignedUp("c", At, "s", Channel: "organic", Plan: "basic"), new Engagement(EngagementKind.SignUp, "organic", null)),
        [typeof(ContactDetailsProvided)] = (new ContactDetailsProvided("c", At, "s", Name: "Ada", Email: "ada@example.org", Phone: "+44 1"), new Engagement(EngagementKind.ContactDetails, null, null)),
        [typeof(TrialStarted)] = (new TrialStarted("c", At, "s", Plan: "pro"), new TrialStart()),
        [typeof(TrialEnded)] = (new TrialEnded("c", At, "s", Outcome: TrialOutcome.Expired, Plan: "pro"), new TrialEnd(TrialOutcome.Expired)),
        [typeof(PurchaseCompleted)] = (new PurchaseCompleted("c", At, "s", OrderId: "o", Amount: 12.5m, Currency: "EUR", Items: [new PurchasedItem(Quantity: 1, Sku: "sku", UnitPrice: 12.5m)]), new Purchase("o", 12.5m, "EUR")),
        [typeof(RefundIssued)] = (new RefundIssued("c", At, "s", OrderId: "o", Amount: 2m, Currency: "EUR"), new Refund("o", 2m, "EUR")),
        [typeof(SubscriptionStarted)] = (new SubscriptionStarted("c", At, "s", SubscriptionId: "sub", Plan: "pro", Amount: 9m, Currency: "EUR", Interval: BillingInterval.Month), new SubscriptionStart("sub", 9m, "EUR")),
        [typeof(SubscriptionRenewed)] = (new SubscriptionRenewed("c", At, "s", SubscriptionId: "sub"), new SubscriptionRenewal("sub", null, null)),
        [typeof(SubscriptionCancelled)] = (new SubscriptionCancelled("c", At, "s", SubscriptionId: "sub", Reason: "price"), new SubscriptionCancellation("sub")),
        [typeof(ComplaintFiled)] = (new ComplaintFiled("c", At, "s", ComplaintId: "k", Category: "delivery", Severity: ComplaintSeverity.Critical), new ComplaintFiling("k", ComplaintSeverity.Critical)),
        [typeof(ComplaintResolved)] = (new ComplaintResolved("c", At, "s", ComplaintId: "k"), new ComplaintResolution("k")),
        [typeof(SurveyAnswered)] = (new SurveyAnswered("c", At, "s", SurveyId: "q", Kind: SurveyKind.Nps, Score: 3), new SurveyAnswer(SurveyKind.Nps, 3)),
        [typeof(SupportContacted)] = (new SupportContacted("c", At, "s", Channel: "phone", Topic: "billing"), new Engagement(EngagementKind.SupportContact, null, null)),
        [typeof(ReferralMade)] = (new ReferralMade("c", At, "s", ReferredCustomerId: "friend", Channel: "email"), new Referral("friend")),
        [typeof(LoyaltyPointsEarned)] = (new LoyaltyPointsEarned("c", At, "s", Points: 40), new LoyaltyPointsChange(40)),
        [typeof(LoyaltyPointsRedeemed)] = (new LoyaltyPointsRedeemed("c", At, "s", Points: 15), new LoyaltyPointsChange(-15)),
        [typeof(MembershipTierChanged)] = (new MembershipTierChanged("c", At, "s", Tier: "gold", PreviousTier: "silver"), new MembershipChange("gold")),
    };

    [Fact]
    public void Every_catalogued_touchpoint_becomes_a_fact_with_its_values()
    {
        Assert.Equal(TouchpointTypes.All.Select(t => t.Type).Order(TypeOrder), Samples.Keys.Order(TypeOrder));
        foreach (var (name, type) in TouchpointTypes.All)
        {
            var (evt, detail) = Samples[type];
            var id = Guid.NewGuid();

            var fact = LifecycleFact.From(evt, id, name, 42, Day(2));

            Assert.Equal(new LifecycleFact("c", id, name, 42, At, Day(2), detail), fact);
        }
    }

    [Fact]
    public void Contact_details_fact_carries_no_personal_data()
    {
        var fact = LifecycleFact.From(Samples[typeof(ContactDetailsProvided)].Event, Guid.NewGuid(), "contact_details_provided", 1, At);

        var json = JournalJson.Serialize(fact);

        Assert.DoesNotContain("Ada", json, StringComparison.Ordinal);
        Assert.DoesNotContain("example.org", json, StringComparison.Ordinal);
        Assert.DoesNotContain("+44", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Business_order_is_occurrence_then_store_order()
    {
        var early = Visit(Day(1));
        var sameTimeLaterInStore = Visit(Day(1));
        var later = Visit(Day(0)) with { OccurredAt = Day(2), Sequence = 0 };

        Assert.Equal([early, sameTimeLaterInStore, later], new[] { later, sameTimeLaterInStore, early }.Order(LifecycleFact.BusinessOrder));
    }

    private static readonly IComparer<Type> TypeOrder = Comparer<Type>.Create((a, b) => string.CompareOrdinal(a.Name, b.Name));
}
