using System.Globalization;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle.Journeys;

namespace CustomerLifecycle.Bench.Workload;

/// <summary>The customers of a restored history, as phase 6 picks them: ids, how many, over which time.</summary>
internal sealed record Population(string Prefix, int Customers, DateTimeOffset From, DateTimeOffset To)
{
    public string CustomerId(int k) => string.Create(CultureInfo.InvariantCulture, $"{Prefix}{k:D7}");
}

/// <summary>
/// A synthetic store history for phases 6 and 7: a population of customers, each walking through the lifecycle
/// (first touch, sign-up, trial, purchases and subscriptions, refunds, complaints, surveys, referrals, loyalty, long
/// pauses that make them at risk, churned and won back), dated over the last two years and interleaved across
/// customers in arrival order, as a store fills in reality. It also holds the deadline events the lifecycle sweep
/// would have appended to quiet customers' streams when their inactivity deadlines fell due, so the rebuilt journeys
/// end where the live service would have left them. Events are generated in compact form and turned into touchpoints on the way out.
/// </summary>
internal sealed class CustomerHistory
{
    public const int DeadlineKind = byte.MaxValue;
    private static readonly TimeSpan Span = TimeSpan.FromDays(730);
    private static readonly string[] Channels = ["search", "social", "display", "video", "email", "affiliate"];
    private static readonly string[] Campaigns = ["spring-sale", "retarget-cart", "brand-always-on", "newsletter", "black-friday", "summer"];
    private static readonly string[] Pages = ["/", "/products/sku-10042", "/cart", "/checkout", "/help/delivery", "/category/garden"];
    private static readonly string[] Categories = ["shoes", "books", "garden", "toys", "kitchen", "outdoor"];
    private static readonly string[] Tiers = ["silver", "gold", "platinum"];

    private readonly string prefix;
    private readonly long[] recorded;
    private readonly Entry[] entries;
    private CustomerHistory(string prefix, int customers, long[] recorded, Entry[] entries, int deadlineEvents, DateTimeOffset now)
    {
        this.prefix = prefix;
        this.recorded = recorded;
        this.entries = entries;
        DeadlineEvents = deadlineEvents;
        Customers = customers;
        Now = now;
    }

    public int Customers { get; }

    public DateTimeOffset Now { get; }

    /// <summary>Touchpoints and deadline events together, as they go into mt_events.</summary>
    public long Events => entries.Length;

    public int DeadlineEvents { get; }

    public long Touchpoints => entries.Length - DeadlineEvents;

    public DateTimeOffset From => Now - Span;

    public string CustomerId(int k) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{k:D7}");

    public Population Population => new(prefix, Customers, From, Now);

    /// <summary>A customer's events in compact form: business time, kind (a touchpoint type or a tick), one argument.</summary>
    private readonly record struct Entry(long OccurredTicks, int Customer, int Argument, byte Kind);

    /// <summary>One generated event, ready to be stored.</summary>
    /// <param name="Customer">The customer's number.</param>
    public readonly record struct Event(long Index, int Customer, string StreamId, object Data, string Type, DateTimeOffset RecordedAt, string? ClientEventId, DateTimeOffset OccurredAt);

    /// <param name="touchpoints">Touchpoints in all (the deadline events come on top), spread over the customers around their mean.</param>
    public static CustomerHistory Generate(string prefix, int customers, long touchpoints, DateTimeOffset now, int seed)
    {
        var random = new Random(seed);
        var lengths = Lengths(random, customers, touchpoints);
        var all = new List<Entry>(checked((int)(touchpoints + (touchpoints / 4))));
        var deadlines = 0;
        var journey = new List<(double Seconds, byte Kind, int Argument, bool PurchaseLike)>(64);
        var spanSeconds = Span.TotalSeconds;
        for (var c = 0; c < customers; c++)
        {
            journey.Clear();
            Walk(random, lengths[c], journey);
            var duration = journey[^1].Seconds;
            // Journeys start anywhere in the window; one longer than the window is squeezed into it.
            var scale = duration > spanSeconds * 0.98 ? spanSeconds * 0.98 / duration : 1;
            var start = now.UtcTicks - Span.Ticks + (long)(random.NextDouble() * (spanSeconds - (duration * scale)) * TimeSpan.TicksPerSecond);
            long? lastPurchase = null;
            foreach (var (seconds, kind, argument, purchaseLike) in journey)
            {
                var at = start + (long)(seconds * scale * TimeSpan.TicksPerSecond);
                all.Add(new Entry(at, c, argument, kind));
                if (purchaseLike)
                {
                    lastPurchase = at;
                }
            }

            // The sweep would have recorded a deadline for a customer who stopped buying when the at-risk (90 days) and
            // churn (180 days) deadlines fell due; it runs every 30 s, the history records them on the hour after (a
            // deadline is learned at its due time either way).
            if (lastPurchase is { } last)
            {
                foreach (var days in (int[])[90, 180])
                {
                    var hour = (last + TimeSpan.FromDays(days).Ticks) / TimeSpan.TicksPerHour + 1;
                    if (hour * TimeSpan.TicksPerHour < now.UtcTicks - TimeSpan.TicksPerHour)
                    {
                        all.Add(new Entry(hour * TimeSpan.TicksPerHour, c, 0, DeadlineKind));
                        deadlines++;
                    }
                }
            }
        }

        // Arrival order: a few seconds after the fact, one in a hundred hours or days late (a till that syncs overnight).
        var recorded = new long[all.Count];
        var entries = all.ToArray();
        for (var i = 0; i < entries.Length; i++)
        {
            var delay = entries[i].Kind == DeadlineKind
                ? TimeSpan.FromSeconds(10)
                : random.Next(100) == 0 ? TimeSpan.FromMinutes(random.Next(10, 4 * 24 * 60)) : TimeSpan.FromMilliseconds(500 + random.Next(30_000));
            recorded[i] = Math.Min(entries[i].OccurredTicks + delay.Ticks, now.UtcTicks - TimeSpan.TicksPerSecond);
        }

        Array.Sort(recorded, entries);
        return new CustomerHistory(prefix, customers, recorded, entries, deadlines, now);
    }

    /// <summary>Per-customer event counts: mostly a handful, a long tail of heavy buyers; summing to exactly <paramref name="total"/>.</summary>
    private static int[] Lengths(Random random, int customers, long total)
    {
        var mean = (double)total / customers;
        if (mean < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(total), "at least one event per customer");
        }

        var lengths = new int[customers];
        long sum = 0;
        for (var c = 0; c < customers; c++)
        {
            lengths[c] = Math.Clamp(1 + (int)(-Math.Log(1 - random.NextDouble()) * (mean - 1)), 1, 400);
            sum += lengths[c];
        }

        while (sum != total)
        {
            var c = random.Next(customers);
            var step = sum < total ? 1 : -1;
            if (lengths[c] + step is >= 1 and <= 400)
            {
                lengths[c] += step;
                sum += step;
            }
        }

        return lengths;
    }

    private enum Phase { Prospect, Engaged, Trial, Buyer }

    /// <summary>One customer's journey: <paramref name="count"/> events with their offsets from the first, in seconds.</summary>
    private static void Walk(Random random, int count, List<(double, byte, int, bool)> journey)
    {
        const double Day = 86_400;
        var phase = Phase.Prospect;
        var t = 0.0;
        var purchases = 0;
        var complaints = 0;
        var openComplaints = 0;
        var subscribed = false;
        var trialUsed = false;
        // The customer's buying rhythm: days between purchases, 10 to 150, log-uniform.
        var rhythm = Day * Math.Exp(Math.Log(10) + (random.NextDouble() * Math.Log(15)));
        byte? forced = null;
        for (var i = 0; i < count; i++)
        {
            var (kind, argument) = i == 0 ? FirstTouch(random) : forced is { } f ? (f, 0) : Next(random, phase, purchases, openComplaints, subscribed, trialUsed);
            forced = null;
            if (i > 0)
            {
                var mean = phase switch
                {
                    Phase.Buyer when kind == Kind<PurchaseCompleted>() => rhythm,
                    Phase.Buyer => rhythm / 3,
                    Phase.Trial => 7 * Day,
                    _ => 4 * Day,
                };
                // Now and then a customer goes quiet for months: at risk, churned, perhaps won back later.
                if (phase == Phase.Buyer && random.Next(100) < 12)
                {
                    mean = 200 * Day;
                }

                t += Math.Max(60, -Math.Log(1 - random.NextDouble()) * mean);
            }

            var purchaseLike = false;
            switch (TouchpointTypes.All[kind].Type.Name)
            {
                case nameof(SignedUp) or nameof(LeadCaptured) when phase == Phase.Prospect:
                    phase = Phase.Engaged;
                    break;
                case nameof(TrialStarted):
                    phase = Phase.Trial;
                    trialUsed = true;
                    break;
                case nameof(TrialEnded):
                    argument = random.Next(100) switch { < 55 => (int)TrialOutcome.Converted, < 90 => (int)TrialOutcome.Expired, _ => (int)TrialOutcome.Cancelled };
                    phase = Phase.Engaged;
                    if (argument == (int)TrialOutcome.Converted)
                    {
                        forced = random.Next(100) < 60 && !subscribed ? Kind<SubscriptionStarted>() : Kind<PurchaseCompleted>();
                    }

                    break;
                case nameof(PurchaseCompleted):
                    argument = ++purchases;
                    phase = Phase.Buyer;
                    purchaseLike = true;
                    break;
                case nameof(SubscriptionStarted):
                    subscribed = true;
                    phase = Phase.Buyer;
                    purchaseLike = true;
                    break;
                case nameof(SubscriptionRenewed):
                    purchaseLike = true;
                    break;
                case nameof(SubscriptionCancelled):
                    subscribed = false;
                    break;
                case nameof(RefundIssued):
                    argument = 1 + random.Next(purchases);
                    break;
                case nameof(ComplaintFiled):
                    argument = ++complaints;
                    openComplaints++;
                    break;
                case nameof(ComplaintResolved):
                    argument = complaints - openComplaints + 1;
                    openComplaints--;
                    break;
            }

            journey.Add((t, kind, argument, purchaseLike));
        }
    }

    private static (byte, int) FirstTouch(Random random) => random.Next(100) switch
    {
        < 40 => (Kind<AdClicked>(), 0),
        < 60 => (Kind<AdShown>(), 0),
        < 95 => (Kind<SiteVisited>(), 0),
        _ => (Kind<SignedUp>(), 0),
    };

    private static (byte, int) Next(Random random, Phase phase, int purchases, int openComplaints, bool subscribed, bool trialUsed)
    {
        var roll = random.Next(100);
        return phase switch
        {
            Phase.Prospect => roll switch
            {
                < 40 => (Kind<SiteVisited>(), 0),
                < 50 => (Kind<AdClicked>(), 0),
                < 70 => (Kind<SignedUp>(), 0),
                < 78 => (Kind<LeadCaptured>(), 0),
                < 83 => (Kind<ContactDetailsProvided>(), 0),
                < 88 when !trialUsed => (Kind<TrialStarted>(), 0),
                _ => (Kind<PurchaseCompleted>(), 0),
            },
            Phase.Engaged => roll switch
            {
                < 25 => (Kind<SiteVisited>(), 0),
                < 45 when !trialUsed => (Kind<TrialStarted>(), 0),
                < 80 => (Kind<PurchaseCompleted>(), 0),
                < 85 => (Kind<ContactDetailsProvided>(), 0),
                < 90 => (Kind<SupportContacted>(), 0),
                < 95 => (Kind<SurveyAnswered>(), random.Next(1, 6)),
                _ => (Kind<AdClicked>(), 0),
            },
            Phase.Trial => roll switch
            {
                < 70 => (Kind<TrialEnded>(), 0),
                _ => (Kind<SiteVisited>(), 0),
            },
            _ => roll switch
            {
                < 38 => (Kind<PurchaseCompleted>(), 0),
                < 52 => (Kind<SiteVisited>(), 0),
                < 60 => (Kind<LoyaltyPointsEarned>(), 10 + random.Next(500)),
                < 63 => (Kind<LoyaltyPointsRedeemed>(), 10 + random.Next(200)),
                // NPS answers lean positive; a quarter are detractors (0 to 6), who the rules mark at risk.
                < 68 => (Kind<SurveyAnswered>(), 100 + (random.Next(4) == 0 ? random.Next(0, 7) : random.Next(7, 11))),
                < 72 => (Kind<SupportContacted>(), 0),
                < 76 when purchases > 0 => (Kind<RefundIssued>(), 0),
                < 79 => (Kind<ComplaintFiled>(), 0),
                < 83 when openComplaints > 0 => (Kind<ComplaintResolved>(), 0),
                < 86 => (Kind<ReferralMade>(), 0),
                < 94 when subscribed => (Kind<SubscriptionRenewed>(), 0),
                < 95 when subscribed => (Kind<SubscriptionCancelled>(), 0),
                < 97 => (Kind<MembershipTierChanged>(), random.Next(Tiers.Length)),
                _ => (Kind<PurchaseCompleted>(), 0),
            },
        };
    }

    private static byte Kind<T>() => KindOf<T>.Value;

    private static class KindOf<T>
    {
        public static readonly byte Value = (byte)TouchpointTypes.All.Select((x, i) => (x.Type, i)).Single(x => x.Type == typeof(T)).i;
    }

    /// <summary>Each customer's stream as it ends up: its version (event count), first and last arrival.</summary>
    public (int Version, DateTimeOffset Created, DateTimeOffset Updated)[] Streams()
    {
        var streams = new (int Version, DateTimeOffset Created, DateTimeOffset Updated)[Customers];
        for (var i = 0; i < entries.Length; i++)
        {
            ref var stream = ref streams[entries[i].Customer];
            var at = new DateTimeOffset(recorded[i], TimeSpan.Zero);
            stream = (stream.Version + 1, stream.Version == 0 ? at : stream.Created, at);
        }

        return streams;
    }

    /// <summary>The events in arrival order, each built from its compact form as it is read.</summary>
    public IEnumerable<Event> InArrivalOrder()
    {
        for (long i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            var recordedAt = new DateTimeOffset(recorded[i], TimeSpan.Zero);
            var occurredAt = new DateTimeOffset(entry.OccurredTicks, TimeSpan.Zero);
            var id = CustomerId(entry.Customer);
            if (entry.Kind == DeadlineKind)
            {
                yield return new Event(i, entry.Customer, id, new LifecycleDeadlineReached(id, occurredAt), LifecycleDeadlineReached.EventTypeName, recordedAt, null, occurredAt);
                continue;
            }

            var touchpoint = Touchpoint(entry, id, occurredAt);
            yield return new Event(i, entry.Customer, id, touchpoint, TouchpointTypes.All[entry.Kind].Name, recordedAt, string.Create(CultureInfo.InvariantCulture, $"{prefix}e{i}"), occurredAt);
        }
    }

    /// <summary>
    /// The touchpoint itself. Everything a customer keeps (channel, currency, order amounts) is derived from the
    /// customer's number, so a refund names an order the customer really placed, for no more than it cost.
    /// </summary>
    private Touchpoint Touchpoint(Entry e, string id, DateTimeOffset at)
    {
        var c = e.Customer;
        var random = new Random(HashCode.Combine(c, e.OccurredTicks));
        var channel = Channels[c % Channels.Length];
        var campaign = Campaigns[(c / Channels.Length) % Campaigns.Length];
        var currency = c % 20 == 0 ? "USD" : "EUR";
        return TouchpointTypes.All[e.Kind].Type.Name switch
        {
            nameof(AdShown) => new AdShown(id, at, "ads-gateway", channel, campaign),
            nameof(AdClicked) => new AdClicked(id, at, "ads-gateway", channel, campaign),
            nameof(SiteVisited) => new SiteVisited(id, at, "web-shop", Pages[random.Next(Pages.Length)], channel, campaign),
            nameof(LeadCaptured) => new LeadCaptured(id, at, "crm", channel, campaign),
            nameof(SignedUp) => new SignedUp(id, at, "web-shop", channel, campaign, "basic"),
            nameof(ContactDetailsProvided) => new ContactDetailsProvided(id, at, "crm", "Customer " + id, id + "@example.com", null),
            nameof(TrialStarted) => new TrialStarted(id, at, "billing", "pro", at.AddDays(14)),
            nameof(TrialEnded) => new TrialEnded(id, at, "billing", (TrialOutcome)e.Argument, "pro"),
            nameof(PurchaseCompleted) => Purchase(id, c, e.Argument, at, currency),
            nameof(RefundIssued) => new RefundIssued(id, at, "web-shop", OrderId(id, e.Argument), Math.Round(OrderAmount(c, e.Argument) * (random.Next(2) == 0 ? 1m : 0.5m), 2), currency, "damaged"),
            nameof(SubscriptionStarted) => new SubscriptionStarted(id, at, "billing", id + "-sub", "monthly", 19.99m, currency, BillingInterval.Month),
            nameof(SubscriptionRenewed) => new SubscriptionRenewed(id, at, "billing", id + "-sub", 19.99m, currency),
            nameof(SubscriptionCancelled) => new SubscriptionCancelled(id, at, "billing", id + "-sub", "price"),
            nameof(ComplaintFiled) => new ComplaintFiled(id, at, "helpdesk", $"{id}-cp{e.Argument}", "delivery", (ComplaintSeverity)random.Next(4)),
            nameof(ComplaintResolved) => new ComplaintResolved(id, at, "helpdesk", $"{id}-cp{e.Argument}", "refunded"),
            // Arguments of 100 and more are NPS scores (+100), smaller ones CSAT scores.
            nameof(SurveyAnswered) when e.Argument >= 100 => new SurveyAnswered(id, at, "survey-tool", "nps-" + at.Year, SurveyKind.Nps, e.Argument - 100),
            nameof(SurveyAnswered) => new SurveyAnswered(id, at, "survey-tool", "csat-" + at.Year, SurveyKind.Csat, e.Argument),
            nameof(SupportContacted) => new SupportContacted(id, at, "helpdesk", "email", "delivery"),
            nameof(ReferralMade) => new ReferralMade(id, at, "web-shop", CustomerId((c + 1 + random.Next(Customers - 1)) % Customers), "email"),
            nameof(LoyaltyPointsEarned) => new LoyaltyPointsEarned(id, at, "loyalty", e.Argument, "purchase"),
            nameof(LoyaltyPointsRedeemed) => new LoyaltyPointsRedeemed(id, at, "loyalty", e.Argument, "voucher"),
            nameof(MembershipTierChanged) => new MembershipTierChanged(id, at, "loyalty", Tiers[e.Argument]),
            var other => throw new InvalidOperationException($"no generator for {other}"),
        };
    }

    private static string OrderId(string customerId, int purchase) => string.Create(CultureInfo.InvariantCulture, $"{customerId}-o{purchase}");

    private static decimal OrderAmount(int customer, int purchase) => 5m + (Math.Abs(HashCode.Combine(customer, purchase, 17)) % 20_000 / 100m);

    private static PurchaseCompleted Purchase(string id, int customer, int purchase, DateTimeOffset at, string currency)
    {
        var amount = OrderAmount(customer, purchase);
        var random = new Random(HashCode.Combine(customer, purchase));
        var items = new PurchasedItem[1 + random.Next(3)];
        var left = amount;
        for (var i = 0; i < items.Length; i++)
        {
            var price = i == items.Length - 1 ? left : Math.Round(left / 2, 2);
            left -= price;
            items[i] = new PurchasedItem(1, "sku-" + random.Next(100_000).ToString("D5", CultureInfo.InvariantCulture), Categories[random.Next(Categories.Length)], price);
        }

        return new PurchaseCompleted(id, at, "web-shop", OrderId(id, purchase), amount, currency, items);
    }
}
