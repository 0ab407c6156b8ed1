using System.Globalization;
using CsCheck;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// Random customer histories for the property tests: touchpoints of every kind over about two years, learned
/// in store order with random lags (late facts, a few dated ahead, store timestamps slightly out of order
/// between concurrent commits), re-deliveries, and sweeps interleaved at random points that never pass a fact
/// recorded but not yet applied.
/// </summary>
internal static class JournalProperties
{
    public const int Iterations = 1500;

    private const int Minute = 1;
    private const int Hour = 60 * Minute;
    private const int DayMinutes = 24 * Hour;

    public sealed record RawEvent(int Kind, int GapMinutes, int Amount, int Pick, int LagMinutes, int Score, int Advance, bool Redeliver);

    public abstract record Step;

    public sealed record ApplyStep(LifecycleFact Fact) : Step;

    public sealed record AdvanceStep(DateTimeOffset Horizon) : Step;

    public sealed record History(RuleSet Rules, IReadOnlyList<Step> Steps, DateTimeOffset Horizon)
    {
        public IEnumerable<LifecycleFact> Arrivals => Steps.OfType<ApplyStep>().Select(s => s.Fact);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"rules {Rules.Id}, H={Horizon:O}:{Environment.NewLine}")
            + string.Join(Environment.NewLine, Steps.Select(Describe));

        private static string Describe(Step step) => step switch
        {
            ApplyStep { Fact: var f } => string.Create(CultureInfo.InvariantCulture, $"  apply #{f.Sequence} {f.EventType} occurred {f.OccurredAt:O} recorded {f.RecordedAt:O} {f.Detail}"),
            AdvanceStep a => string.Create(CultureInfo.InvariantCulture, $"  advance to {a.Horizon:O}"),
            _ => step.ToString()!,
        };
    }

    private static readonly RuleSet Tight = RuleSet.Default with
    {
        Id = "tight", Version = "tight-v1", AtRiskAfterDays = 20, ChurnAfterDays = 45, OverdueMinPurchases = 2, OverdueFactor = 1.5,
        OverdueMinDays = 3, OverdueLookbackIntervals = 3, LoyalMinPurchases = 3, LoyalWindowDays = 40, ComplaintOpenDays = 4,
        ComplaintMinSeverity = ComplaintSeverity.Medium, DetractorMaxScore = 4,
    };

    private static readonly RuleSet Sparse = RuleSet.Default with
    {
        Id = "sparse", Version = "sparse-v1", InactiveAtRiskEnabled = false, OverdueAtRiskEnabled = false, LoyalByFrequencyEnabled = false,
        SubscriptionCancelledChurnEnabled = false, DetractorAtRiskEnabled = false,
    };

    private static readonly Gen<int> Gap = Gen.Frequency(
        (10, (IGen<int>)Gen.Const(0)), (50, Gen.Int[1, 7 * DayMinutes]), (30, Gen.Int[7 * DayMinutes, 45 * DayMinutes]), (10, Gen.Int[45 * DayMinutes, 200 * DayMinutes]));

    private static readonly Gen<int> Lag = Gen.Frequency(
        (65, (IGen<int>)Gen.Int[0, Hour]), (15, Gen.Int[Hour, 7 * DayMinutes]), (15, Gen.Int[7 * DayMinutes, 200 * DayMinutes]), (5, Gen.Int[-3 * DayMinutes, 0]));

    private static readonly Gen<int> Kind = Gen.Frequency(
        (8, (IGen<int>)Gen.Int[0, 7]), (10, Gen.Const(8)), (12, Gen.Int[9, 20]));

    private static readonly Gen<RawEvent> Event = Gen.Select(
        Kind, Gap, Gen.Int[0, 500], Gen.Int[0, 59], Lag, Gen.Int[0, 10], Gen.Int[0, 99], Gen.Int[0, 99].Select(n => n < 5),
        (kind, gap, amount, pick, lag, score, advance, redeliver) => new RawEvent(kind, gap, amount, pick, lag, score, advance, redeliver));

    public static readonly Gen<History> Histories = Gen.Select(
        Event.Array[1, 45], Gen.OneOf(RuleSet.Default, Tight, Sparse), Gen.Int[0, 400], Build);

    private static History Build(RawEvent[] raw, RuleSet rules, int tailDays)
    {
        var occurred = TestFacts.Epoch;
        var made = new List<(Touchpoint Event, DateTimeOffset RecordedAt, RawEvent Raw)>();
        foreach (var r in raw)
        {
            occurred = occurred.AddMinutes(r.GapMinutes);
            made.Add((Touchpoint(r, occurred), occurred.AddMinutes(r.LagMinutes), r));
        }

        // Store order follows recording time, give or take an hour between concurrent commits.
        var arrivals = made
            .Select((m, i) => (m.Event, m.RecordedAt, m.Raw, Commit: m.RecordedAt.AddMinutes(m.Raw.Pick % 7 * 10), Index: i))
            .OrderBy(m => m.Commit).ThenBy(m => m.Index)
            .Select((m, n) => (Fact: LifecycleFact.From(m.Event, TestFacts.EventId(n + 1), TouchpointTypes.NameOf[m.Event.GetType()], n + 1, m.RecordedAt), m.Raw))
            .ToList();

        var steps = new List<Step>();
        var lastRecorded = TestFacts.Epoch.AddDays(-1);
        LifecycleFact? redelivery = null;
        foreach (var (fact, r) in arrivals)
        {
            // A sweep somewhere between a day before the previous fact's recording and this one's (never past it).
            if (r.Advance < 40)
            {
                var from = (lastRecorded < fact.RecordedAt ? lastRecorded : fact.RecordedAt).AddDays(-1);
                steps.Add(new AdvanceStep(from + ((fact.RecordedAt - from) * (r.Advance / 40.0))));
            }

            steps.Add(new ApplyStep(fact));
            if (redelivery is not null)
            {
                steps.Add(new ApplyStep(redelivery));
            }

            redelivery = r.Redeliver ? fact : null;
            lastRecorded = fact.RecordedAt;
        }

        var horizon = arrivals.Max(a => a.Fact.RecordedAt).AddDays(tailDays);
        return new History(rules, steps, horizon);
    }

    private static Touchpoint Touchpoint(RawEvent r, DateTimeOffset at)
    {
        const string c = TestFacts.CustomerId;
        var subscription = "s" + (r.Pick % 3).ToString(CultureInfo.InvariantCulture);
        var complaint = "k" + (r.Pick % 3).ToString(CultureInfo.InvariantCulture);
        var currency = r.Pick % 4 == 0 ? "USD" : "EUR";
        decimal? maybeAmount = r.Pick % 3 == 0 ? null : r.Amount;
        return r.Kind switch
        {
            0 => new AdShown(c, at, "ads", Channel: "search", Campaign: "spring"),
            1 => new AdClicked(c, at, "ads", Channel: "social"),
            2 => new SiteVisited(c, at, "web", Page: "/"),
            3 => new LeadCaptured(c, at, "crm", Channel: "webinar"),
            4 => new SignedUp(c, at, "web", Plan: "basic"),
            5 => new ContactDetailsProvided(c, at, "web", Name: "Name", Email: "x@example.org"),
            6 => new TrialStarted(c, at, "web", Plan: "pro"),
            7 => new TrialEnded(c, at, "web", Outcome: (TrialOutcome)(r.Pick % 3)),
            8 => new PurchaseCompleted(c, at, "shop", OrderId: "o", Amount: r.Amount, Currency: currency),
            9 => new RefundIssued(c, at, "shop", OrderId: "o", Amount: r.Amount, Currency: currency),
            10 => new SubscriptionStarted(c, at, "billing", SubscriptionId: subscription, Plan: "pro", Amount: maybeAmount, Currency: maybeAmount is null ? null : currency),
            11 => new SubscriptionRenewed(c, at, "billing", SubscriptionId: subscription, Amount: r.Pick % 5 == 0 ? 0m : maybeAmount, Currency: currency),
            12 => new SubscriptionCancelled(c, at, "billing", SubscriptionId: subscription),
            13 => new ComplaintFiled(c, at, "helpdesk", ComplaintId: complaint, Severity: r.Pick % 5 == 4 ? null : (ComplaintSeverity)(r.Pick % 4)),
            14 => new ComplaintResolved(c, at, "helpdesk", ComplaintId: complaint),
            15 => new SurveyAnswered(c, at, "survey", SurveyId: "q", Kind: r.Pick % 3 == 0 ? SurveyKind.Csat : SurveyKind.Nps, Score: r.Score),
            16 => new SupportContacted(c, at, "helpdesk", Channel: "chat"),
            17 => new ReferralMade(c, at, "web", ReferredCustomerId: "friend"),
            18 => new LoyaltyPointsEarned(c, at, "loyalty", Points: r.Amount),
            19 => new LoyaltyPointsRedeemed(c, at, "loyalty", Points: r.Amount / 2),
            _ => new MembershipTierChanged(c, at, "loyalty", Tier: (r.Pick % 3) switch { 0 => "", 1 => "silver", _ => "gold" }),
        };
    }
}
