using System.Text.Json.Nodes;
using CustomerLifecycle.Ingestion.CustomerEvents;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.WebConsole.Customer360;
using CustomerLifecycle.WebConsole.Overview;
using CustomerLifecycle.WebConsole.SigningIn;

namespace CustomerLifecycle.Tests.Console;

/// <summary>The console's pure parts: trend instants, headline numbers, the timeline and the return-URL guard.</summary>
public class ConsoleModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 15, 30, 0, TimeSpan.Zero); // a Friday

    [Fact]
    public void Daily_trend_counts_at_each_midnight_of_the_last_29_days_then_now()
    {
        var instants = StageTrend.Instants(Now, TrendPeriod.Day);

        Assert.Equal(30, instants.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 6, 0, 0, 0, TimeSpan.Zero), instants[0]);
        Assert.Equal(new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), instants[^2]);
        Assert.Equal(Now, instants[^1]);
    }

    [Fact]
    public void Weekly_trend_counts_at_monday_midnights_then_now()
    {
        var instants = StageTrend.Instants(Now, TrendPeriod.Week);

        Assert.Equal(13, instants.Count);
        Assert.All(instants.SkipLast(1), at => Assert.Equal(DayOfWeek.Monday, at.DayOfWeek));
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), instants[^2]);
        Assert.Equal(new DateTimeOffset(2026, 9, 14, 0, 0, 0, TimeSpan.Zero), instants[0]);
    }

    [Fact]
    public void Monthly_trend_counts_at_the_first_of_each_month_then_now()
    {
        var instants = StageTrend.Instants(Now, TrendPeriod.Month);

        Assert.Equal(12, instants.Count);
        Assert.Equal(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero), instants[0]);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), instants[^2]);
        Assert.Equal(Now, instants[^1]);
    }

    [Fact]
    public void Headline_counts_active_as_every_stage_in_good_standing()
    {
        var counts = new Dictionary<LifecycleStage, long>
        {
            [LifecycleStage.Prospect] = 100, [LifecycleStage.Customer] = 10, [LifecycleStage.RepeatCustomer] = 5, [LifecycleStage.Loyal] = 3,
            [LifecycleStage.Advocate] = 2, [LifecycleStage.WonBack] = 1, [LifecycleStage.AtRisk] = 7, [LifecycleStage.Churned] = 9,
        };

        Assert.Equal(new Headline(Customers: 137, Active: 21, AtRisk: 7, Churned: 9, WonBack: 1), Headline.From(counts));
    }

    [Fact]
    public void Timeline_puts_each_fact_before_the_change_it_caused_and_marks_corrections()
    {
        var clicked = Now.AddDays(-3);
        var bought = Now.AddDays(-1);
        var clickId = Guid.NewGuid();
        var buyId = Guid.NewGuid();
        StoredEvent[] events =
        [
            new("e2", buyId, "purchase_completed", 2, 12, bought, Now, "shop", null, null, new JsonObject { ["amount"] = 5 }),
            new("e1", clickId, "ad_clicked", 1, 11, clicked, Now, "ads", null, null, new JsonObject { ["channel"] = "search" }),
        ];
        StageTransition[] transitions =
        [
            new(LifecycleStage.Prospect, LifecycleStage.Customer, "first-purchase", "v1", bought, new EventCause(buyId, "purchase_completed", bought, 12), Now, IsCorrection: true, null),
            new(null, LifecycleStage.Prospect, "first-touch", "v1", clicked, new EventCause(clickId, "ad_clicked", clicked, 11), Now, IsCorrection: false, Now.AddHours(1)),
        ];

        var timeline = CustomerTimeline.Build(events, transitions, []);

        Assert.Equal(
            [(TimelineKind.Touchpoint, "ad_clicked"), (TimelineKind.Transition, "No stage → Prospect"), (TimelineKind.Touchpoint, "purchase_completed"), (TimelineKind.Transition, "Prospect → Customer")],
            timeline.Select(e => (e.Kind, e.What)));
        Assert.Contains("\"channel\":\"search\"", timeline[0].Why, StringComparison.Ordinal);
        Assert.Equal("rule first-touch (rule set v1), because of ad_clicked at 2026-12-01 15:30:00 UTC (event #11)", timeline[1].Why);
        Assert.Equal(Now.AddHours(1), timeline[1].SupersededAt);
        Assert.True(timeline[3].IsCorrection);
    }

    [Fact]
    public void Without_the_audit_the_timeline_shows_the_stage_spells()
    {
        var timeline = CustomerTimeline.Build([], null, [new StageSpell(LifecycleStage.Customer, Now, null, "first-purchase")]);

        var entry = Assert.Single(timeline);
        Assert.Equal((TimelineKind.Transition, "entered Customer", "rule first-purchase"), (entry.Kind, entry.What, entry.Why));
    }

    [Theory]
    [InlineData(null, "/")]
    [InlineData("", "/")]
    [InlineData("/customers/c-1", "/customers/c-1")]
    [InlineData("//evil.example/x", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    public void After_sign_in_only_paths_on_this_site_are_followed(string? returnUrl, string expected) =>
        Assert.Equal(expected, ConsoleSession.LocalOrHome(returnUrl));
}
