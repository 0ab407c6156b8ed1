using System.Globalization;
using System.Text.Json.Nodes;

namespace CustomerLifecycle.DemoData.Generation;

internal sealed partial class JourneySimulator
{
    private int orders;
    private int subscriptions;
    private bool loyaltyMember;
    private int pointsEarned;
    private int pointsBalance;
    private string? tier;

    /// <summary>
    /// Buying at a personal rhythm: a purchase rate drawn from a gamma distribution (most people buy every month or
    /// two, a few far more often), exponential gaps, and after every order a chance of dropping out for good, higher
    /// for the unhappy. Some who dropped out are won back by a campaign after they have churned.
    /// </summary>
    private void Buy(DateTimeOffset firstAt)
    {
        var meanGapDays = 1 / random.Gamma(1.3, 1 / (35 * 1.3));
        var dropout = Math.Clamp(random.Beta(1.2, 3.8) * Math.Exp(-0.35 * satisfaction), 0.03, 0.9);
        loyaltyMember = random.Chance(0.4);
        var at = firstAt;
        while (true)
        {
            if (!Order(at, out var unhappy))
            {
                return;
            }

            if (subscriptions == 0 && random.Chance(0.03))
            {
                Subscribe(at + random.ExponentialDays(10) + TimeSpan.FromHours(1), random.Chance(0.75) ? "month" : "quarter");
            }

            if (random.Chance(unhappy ? Math.Min(0.9, dropout * 2.5) : dropout))
            {
                if (wonBack || !random.Chance(0.3))
                {
                    return;
                }

                // Past the 180 days after which the service calls them churned, a win-back campaign reaches them.
                at += TimeSpan.FromDays(185) + random.ExponentialDays(45);
                if (!timeline.SiteVisited(at, "/welcome-back", "email", $"win-back-{at:yyyy-MM}"))
                {
                    return;
                }

                wonBack = true;
                meanGapDays *= 1.3;
                dropout = Math.Min(0.9, dropout * 1.5);
                at += TimeSpan.FromMinutes(random.Between(5, 90));
                continue;
            }

            at += TimeSpan.FromDays(Math.Max(2, random.Exponential(meanGapDays)));
        }
    }

    /// <summary>One order and what follows it. False when the order would fall after the end of the year.</summary>
    private bool Order(DateTimeOffset at, out bool unhappy)
    {
        unhappy = false;
        if (!timeline.IsBeforeEnd(at))
        {
            return false;
        }

        if (random.Chance(0.6))
        {
            timeline.SiteVisited(at - TimeSpan.FromMinutes(random.Between(2, 40)), random.Pick(Catalogue.Pages), null, null);
        }

        orders++;
        var orderId = $"{timeline.CustomerId}-o{orders.ToString(CultureInfo.InvariantCulture)}";
        var (amount, items) = Basket();
        timeline.PurchaseCompleted(at, orderId, amount, market.Currency, items);
        Loyalty(at, orderId, amount);

        var refunded = random.Chance(0.06) && Refund(at, orderId, amount, items);
        unhappy = AfterSales(at, refunded);
        if (depth < MaxReferralDepth && friends.Count < 3 && random.Chance(satisfaction > 0.5 ? 0.07 : 0.02))
        {
            Refer(at + random.ExponentialDays(10) + TimeSpan.FromHours(2));
        }

        return true;
    }

    /// <summary>One to three items; the basket total is log-normal around this customer's usual spend; shop prices end in .99.</summary>
    private (decimal Amount, JsonArray Items) Basket()
    {
        var total = Math.Max(5m, (decimal)random.LogNormal((double)medianOrder, 0.35));
        var count = 1 + (random.Chance(0.45) ? 1 : 0) + (random.Chance(0.15) ? 1 : 0);
        var weights = Enumerable.Range(0, count).Select(_ => random.Between(0.5, 1.5)).ToList();
        var items = new JsonArray();
        var amount = 0m;
        foreach (var weight in weights)
        {
            var quantity = random.Chance(0.15) ? 2 : 1;
            var unitPrice = Math.Max(1m, Math.Round(total * (decimal)(weight / weights.Sum()) / quantity, MidpointRounding.AwayFromZero)) - 0.01m;
            var (category, prefix) = random.PickWeighted(Catalogue.Categories);
            items.Add(new JsonObject
            {
                ["quantity"] = quantity,
                ["sku"] = $"{prefix}-{random.Between(1000, 9999).ToString(CultureInfo.InvariantCulture)}",
                ["category"] = category,
                ["unitPrice"] = unitPrice,
            });
            amount += quantity * unitPrice;
        }

        return (amount, items);
    }

    private bool Refund(DateTimeOffset orderedAt, string orderId, decimal amount, JsonArray items)
    {
        var refund = random.Chance(0.45) || items.Count == 1
            ? amount
            : (decimal)items[0]!["unitPrice"]! * (int)items[0]!["quantity"]!;
        var at = orderedAt + TimeSpan.FromDays(2) + random.ExponentialDays(6);
        return timeline.RefundIssued(at, orderId, refund, market.Currency, random.Pick(Catalogue.RefundReasons));
    }

    /// <summary>Points for every order (one per currency unit), spent now and then; tiers by points ever earned.</summary>
    private void Loyalty(DateTimeOffset at, string orderId, decimal amount)
    {
        if (!loyaltyMember)
        {
            return;
        }

        if (pointsBalance >= 200 && random.Chance(0.3))
        {
            var redeemed = 100 * Math.Min(3, pointsBalance / 100);
            pointsBalance -= redeemed;
            timeline.LoyaltyPointsRedeemed(at + TimeSpan.FromSeconds(5), redeemed, $"voucher on order {orderId}");
        }

        var points = Math.Max(1, (int)amount);
        pointsEarned += points;
        pointsBalance += points;
        timeline.LoyaltyPointsEarned(at + TimeSpan.FromSeconds(10), points, $"order {orderId}");

        var reached = Catalogue.Tiers.LastOrDefault(t => pointsEarned >= t.Points).Tier;
        if (reached is not null && reached != tier)
        {
            timeline.MembershipTierChanged(at + TimeSpan.FromSeconds(15), reached, tier);
            tier = reached;
        }
    }

    /// <summary>Plus, billed monthly or quarterly, renewed until a cancellation before some renewal date.</summary>
    private void Subscribe(DateTimeOffset at, string interval)
    {
        subscriptions++;
        var subscriptionId = $"{timeline.CustomerId}-s{subscriptions.ToString(CultureInfo.InvariantCulture)}";
        var (months, price, cancelRate) = interval == "month" ? (1, market.PlusMonthly, 0.08) : (3, market.PlusQuarterly, 0.18);
        if (!timeline.SubscriptionStarted(at, subscriptionId, PlusPlan, price, market.Currency, interval))
        {
            return;
        }

        subscribed = true;
        for (var period = 1; ; period++)
        {
            var renewalAt = at.AddMonths(months * period);
            if (random.Chance(cancelRate))
            {
                timeline.SubscriptionCancelled(renewalAt - TimeSpan.FromDays(random.Between(1.0, 10.0)), subscriptionId, random.Pick(Catalogue.CancellationReasons));
                return;
            }

            if (!timeline.SubscriptionRenewed(renewalAt, subscriptionId, price, market.Currency))
            {
                return;
            }
        }
    }
}
