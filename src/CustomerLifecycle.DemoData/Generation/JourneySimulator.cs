namespace CustomerLifecycle.DemoData.Generation;

/// <summary>A friend a customer referred: a new person to generate, who first visits shortly after the referral.</summary>
internal sealed record ReferredFriend(string CustomerId, string ReferredBy, DateTimeOffset FirstVisitAt, int Depth);

/// <summary>
/// Lives one person's year: first touch through their channel, then perhaps a lead or sign-up, a trial, buying at a
/// personal rhythm until they drop out (some are won back), and what comes with buying: refunds, complaints, support,
/// surveys, referrals, loyalty points and tiers, subscriptions. All randomness comes from the person's own stream.
/// </summary>
internal sealed partial class JourneySimulator
{
    private const string PlusPlan = "plus";
    private const int MaxReferralDepth = 3;

    private readonly DemoRandom random;
    private readonly FakePeople people;
    private readonly CustomerTimeline timeline;
    private readonly AcquisitionChannel channel;
    private readonly string? campaign;
    private readonly Market market;
    private readonly int depth;
    private readonly string? referredBy;

    // Traits: how happy this person tends to be with us (standard normal), and what their basket usually costs.
    private readonly double satisfaction;
    private readonly decimal medianOrder;

    private readonly List<ReferredFriend> friends = [];
    private bool engaged;
    private bool subscribed;
    private bool wonBack;

    public JourneySimulator(
        string customerId, DemoRandom random, FakePeople people, AcquisitionChannel channel, DateTimeOffset end, int depth = 0, string? referredBy = null)
    {
        this.random = random;
        this.people = people;
        this.channel = channel;
        this.depth = depth;
        this.referredBy = referredBy;
        timeline = new CustomerTimeline(customerId, end);
        campaign = channel.Campaigns.Count == 0 ? null : random.Pick(channel.Campaigns);
        market = random.PickWeighted(Market.Mix);
        satisfaction = random.Normal();
        medianOrder = (decimal)random.LogNormal(48, 0.45) * market.PriceFactor;
    }

    public CustomerTimeline Timeline => timeline;

    public IReadOnlyList<ReferredFriend> Friends => friends;

    public DemoCustomer Run(DateTimeOffset firstTouchAt)
    {
        var (clickedThrough, lastTouch) = Acquire(firstTouchAt);
        var engageRate = clickedThrough ? channel.Engage : channel.Engage * 0.3;
        if (random.Chance(engageRate))
        {
            Engage(lastTouch + random.ExponentialDays(1.5) + TimeSpan.FromMinutes(5));
        }
        else if (random.Chance(channel.GuestBuy))
        {
            Buy(lastTouch + random.ExponentialDays(3) + TimeSpan.FromMinutes(20));
        }
        else
        {
            Retarget(lastTouch);
        }

        return new DemoCustomer(timeline.CustomerId, channel.Name, campaign, referredBy, engaged, orders, subscribed, wonBack);
    }

    /// <summary>The first touch and a little browsing. Returns whether the person reached the site, and when they last touched us.</summary>
    private (bool ClickedThrough, DateTimeOffset LastTouch) Acquire(DateTimeOffset at)
    {
        var channelName = channel.Name;
        switch (channel.Touch)
        {
            case FirstTouch.Click:
                if (random.Chance(0.3))
                {
                    timeline.AdShown(at, channelName, campaign);
                    at += TimeSpan.FromSeconds(random.Between(3, 600));
                }

                timeline.AdClicked(at, channelName, campaign);
                at += TimeSpan.FromSeconds(random.Between(2, 20));
                break;

            case FirstTouch.Impressions:
                var impressions = random.Between(1, 4);
                for (var i = 0; i < impressions; i++)
                {
                    timeline.AdShown(at, channelName, campaign);
                    at += random.ExponentialDays(2) + TimeSpan.FromMinutes(1);
                }

                if (!random.Chance(0.55))
                {
                    return (false, at);
                }

                timeline.AdClicked(at, channelName, campaign);
                at += TimeSpan.FromSeconds(random.Between(2, 20));
                break;
        }

        timeline.SiteVisited(at, channel.LandingPage, channelName, campaign);
        var visits = random.Between(0, 3);
        for (var i = 0; i < visits; i++)
        {
            at += random.ExponentialDays(3) + TimeSpan.FromMinutes(10);
            timeline.SiteVisited(at, random.Pick(Catalogue.Pages), null, null);
        }

        return (true, at);
    }

    /// <summary>Someone who never raised a hand: a few more impressions from retargeting, then nothing.</summary>
    private void Retarget(DateTimeOffset after)
    {
        if (!random.Chance(0.35))
        {
            return;
        }

        var at = after;
        for (var i = random.Between(1, 3); i > 0; i--)
        {
            at += random.ExponentialDays(6) + TimeSpan.FromHours(1);
            timeline.AdShown(at, "display", "retargeting-cart");
        }
    }

    /// <summary>A lead, a sign-up with contact details, or both; then a trial, a purchase, or just staying engaged.</summary>
    private void Engage(DateTimeOffset at)
    {
        engaged = true;
        var signedUp = true;
        if (random.Chance(0.35))
        {
            timeline.LeadCaptured(at, channel.Name, campaign);
            signedUp = random.Chance(0.55);
            at += random.ExponentialDays(7) + TimeSpan.FromMinutes(30);
        }

        if (signedUp)
        {
            timeline.SignedUp(at, channel.Name, campaign, "free");
            ProvideContactDetails(at + TimeSpan.FromSeconds(random.Between(20, 300)));
            if (random.Chance(channel.Trial))
            {
                Trial(at + random.ExponentialDays(1) + TimeSpan.FromMinutes(10));
                return;
            }
        }

        if (random.Chance(signedUp ? channel.Buy : channel.Buy * 0.7))
        {
            Buy(at + random.ExponentialDays(10) + TimeSpan.FromHours(1));
            return;
        }

        if (random.Chance(0.15))
        {
            timeline.SupportContacted(at + random.ExponentialDays(5) + TimeSpan.FromHours(2), random.Pick(Catalogue.SupportChannels), random.Pick(Catalogue.PreSalesTopics));
        }
    }

    private void ProvideContactDetails(DateTimeOffset at)
    {
        var (locale, phoneFormat) = random.Pick(market.Locales);
        var (name, email, phone) = people.Next(locale, random.NextInt32(), phoneFormat);
        timeline.ContactDetailsProvided(at, name, random.Chance(0.95) ? email : null, random.Chance(0.4) ? phone : null);
    }

    /// <summary>Fourteen days of Plus: converted into a paid subscription, or lapsed (some buy one-offs anyway).</summary>
    private void Trial(DateTimeOffset at)
    {
        var endsAt = at.AddDays(14);
        timeline.TrialStarted(at, PlusPlan, endsAt);
        if (random.Chance(channel.TrialConversion))
        {
            if (timeline.TrialEnded(endsAt, "converted", PlusPlan))
            {
                Subscribe(endsAt + TimeSpan.FromSeconds(5), "month");
                if (random.Chance(0.5))
                {
                    Buy(endsAt + random.ExponentialDays(15) + TimeSpan.FromHours(1));
                }
            }

            return;
        }

        var lapsedAt = random.Chance(0.35) ? at + TimeSpan.FromDays(random.Between(1.0, 12.0)) : endsAt;
        if (timeline.TrialEnded(lapsedAt, lapsedAt < endsAt ? "cancelled" : "expired", PlusPlan) && random.Chance(0.3))
        {
            Buy(lapsedAt + random.ExponentialDays(20) + TimeSpan.FromHours(1));
        }
    }
}
