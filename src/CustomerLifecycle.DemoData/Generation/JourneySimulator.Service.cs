using System.Globalization;

namespace CustomerLifecycle.DemoData.Generation;

internal sealed partial class JourneySimulator
{
    private int complaints;
    private int openComplaints;
    private bool surveyedNps;

    /// <summary>
    /// What may follow an order: a support contact (with a CSAT answer), a complaint (most resolved, some serious
    /// ones left open), an NPS answer. True when the customer left it unhappy: an open complaint or a detractor score.
    /// </summary>
    private bool AfterSales(DateTimeOffset orderedAt, bool refunded)
    {
        var unhappy = false;
        if (random.Chance(satisfaction < -0.7 ? 0.09 : 0.035))
        {
            unhappy |= Complain(orderedAt + TimeSpan.FromDays(random.Between(1.0, 6.0)));
        }
        else if (random.Chance(0.08))
        {
            var at = orderedAt + TimeSpan.FromDays(random.Between(0.2, 10.0));
            if (timeline.SupportContacted(at, random.Pick(Catalogue.SupportChannels), random.Pick(Catalogue.SupportTopics)) && random.Chance(0.45))
            {
                var csat = Math.Clamp((int)Math.Round(3.9 + (0.8 * satisfaction) + (0.8 * random.Normal())), 1, 5);
                timeline.SurveyAnswered(at + TimeSpan.FromHours(random.Between(1.0, 30.0)), "csat-support", "csat", csat);
            }
        }

        // NPS goes out a month after the first order, then twice a year; about a third answer.
        if ((!surveyedNps || random.Chance(0.08)) && random.Chance(0.35))
        {
            var at = orderedAt + TimeSpan.FromDays(surveyedNps ? random.Between(7.0, 21.0) : 30);
            var score = Math.Clamp((int)Math.Round(7.6 + (1.7 * satisfaction) - (2.5 * openComplaints) - (refunded ? 1 : 0) + (1.2 * random.Normal())), 0, 10);
            var quarter = ((at.UtcDateTime.Month - 1) / 3) + 1;
            if (timeline.SurveyAnswered(at, $"nps-{at.UtcDateTime.Year.ToString(CultureInfo.InvariantCulture)}-q{quarter.ToString(CultureInfo.InvariantCulture)}", "nps", score))
            {
                unhappy |= score <= 6;
            }
        }

        surveyedNps = true;
        return unhappy;
    }

    private bool Complain(DateTimeOffset at)
    {
        var (category, topic) = random.Pick(Catalogue.ComplaintCategories);
        if (random.Chance(0.6))
        {
            timeline.SupportContacted(at - TimeSpan.FromHours(random.Between(1.0, 20.0)), random.Pick(Catalogue.SupportChannels), topic);
        }

        complaints++;
        var complaintId = $"{timeline.CustomerId}-c{complaints.ToString(CultureInfo.InvariantCulture)}";
        var severity = random.PickWeighted(Catalogue.Severities);
        if (!timeline.ComplaintFiled(at, complaintId, category, severity))
        {
            return false;
        }

        var resolveRate = severity switch { "low" => 0.95, "medium" => 0.9, "high" => 0.7, _ => 0.65 };
        if (random.Chance(resolveRate)
            && timeline.ComplaintResolved(at + TimeSpan.FromHours(2) + random.ExponentialDays(3.5), complaintId, random.Pick(Catalogue.Resolutions)))
        {
            return false;
        }

        openComplaints++;
        return true;
    }

    /// <summary>A referral: the friend becomes a new person of channel "referral", who visits a few days later.</summary>
    private void Refer(DateTimeOffset at)
    {
        var friendId = $"{timeline.CustomerId}-f{(friends.Count + 1).ToString(CultureInfo.InvariantCulture)}";
        if (!timeline.ReferralMade(at, friendId, random.Pick(Catalogue.ReferralChannels)))
        {
            return;
        }

        // A friend who has not visited by the end of the year is not yet anyone we know.
        var firstVisitAt = at + TimeSpan.FromHours(1) + random.ExponentialDays(3);
        if (timeline.IsBeforeEnd(firstVisitAt))
        {
            friends.Add(new ReferredFriend(friendId, timeline.CustomerId, firstVisitAt, depth + 1));
        }
    }
}
