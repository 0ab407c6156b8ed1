using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Lifecycle.Auditing;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Lifecycle;
using CustomerLifecycle.Lifecycle.Journeys;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

[Collection(AppFixtureGroup.Name)]
public class AuditHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private async Task<string> CustomerWithPurchasesAsync(params int[] daysAgo)
    {
        var customer = Json.NewId("c");
        var response = await client.PostAsJsonAsync("/api/touchpoints/batch",
            Json.Batch([.. daysAgo.Select(d => (JsonNode)Json.Purchase(customer, occurredAt: Now.AddDays(-d).ToString("O")))]));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();
        return customer;
    }

    private async Task<JsonObject> Verify(object request)
    {
        var response = await client.PostAsJsonAsync("/api/lifecycle/verify", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    [Fact]
    public async Task Verifying_a_customer_recomputed_from_the_raw_stream_finds_the_read_model_consistent()
    {
        var customer = await CustomerWithPurchasesAsync(200, 120, 30);

        var report = await Verify(new { customerId = customer });

        Assert.Equal((1, 1), ((int)report["checked"]!, (int)report["consistent"]!));
        Assert.Empty(report["differences"]!.AsArray());
    }

    [Fact]
    public async Task Verifying_reports_a_read_model_that_disagrees_with_the_stream()
    {
        var customer = await CustomerWithPurchasesAsync(10);
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            // Simulate a defect: the transition log claims a transition the events do not support.
            var log = await JourneyPages.TransitionLogAsync(session, customer, default);
            var bogus = log[0] with { To = LifecycleStage.Advocate, RuleId = "advocate-by-referral" };
            session.QueueSqlCommand(
                $"insert into {StoreSetup.Schema}.{JourneyTables.Transitions} (customer_id, ordinal, to_stage, effective_at, learned_at, is_correction, rule_id, data) values (?, ?, ?, ?, ?, false, ?, ?::jsonb)",
                customer, log.Count + 1, bogus.To.ToString(), bogus.EffectiveAt.ToUniversalTime(), bogus.LearnedAt.ToUniversalTime(), bogus.RuleId,
                store.Options.Serializer().ToJson(bogus));
            await session.SaveChangesAsync();
        }

        var report = await Verify(new { customerId = customer });

        var difference = Assert.Single(report["differences"]!.AsArray())!;
        Assert.Equal("advocate-by-referral", (string)difference["onlyInReadModel"]![0]!["ruleId"]!);
        Assert.Empty(difference["onlyInRecomputation"]!.AsArray());
    }

    [Fact]
    public async Task Verifying_all_customers_pages_through_them()
    {
        await CustomerWithPurchasesAsync(5);
        await CustomerWithPurchasesAsync(6);

        var first = await Verify(new { limit = 1 });
        var second = await Verify(new { limit = 1, after = (string)first["nextAfter"]! });

        Assert.Equal(1, (int)first["checked"]!);
        Assert.Equal(1, (int)second["checked"]!);
    }

    [Fact]
    public async Task What_if_reports_who_would_move_under_a_longer_at_risk_window_and_changes_nothing()
    {
        var customer = await CustomerWithPurchasesAsync(100);
        Assert.Equal("at_risk", (string)(await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/profile"))!["stage"]!);

        var response = await client.PostAsJsonAsync("/api/lifecycle/what-if", new { rules = new { atRiskAfterDays = 120 } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var shift = report["movedCustomers"]!.AsArray().Single(s => (string)s!["customerId"]! == customer)!;
        Assert.Equal(("at_risk", "customer"), ((string)shift["from"]!, (string)shift["to"]!));
        Assert.Contains(report["matrix"]!.AsArray(), c => (string?)c!["from"] == "at_risk" && (string?)c["to"] == "customer" && (int)c["count"]! >= 1);
        Assert.Equal("2026-11-v1-candidate", (string)report["candidateVersion"]!);
        Assert.Equal("at_risk", (string)(await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/profile"))!["stage"]!);
    }

    [Fact]
    public async Task What_if_at_a_past_instant_counts_only_what_had_happened_by_then_like_the_stage_counts()
    {
        // Dates far before any other test's, so the store holds nobody else by then.
        var early = Json.NewId("c");
        var later = Json.NewId("c");
        var response = await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(
            Json.Purchase(early, occurredAt: "1972-01-10T00:00:00Z"),
            Json.Purchase(early, occurredAt: "1972-09-01T00:00:00Z"),
            Json.Purchase(later, occurredAt: "1972-02-01T00:00:00Z"),
            Json.Touchpoint("ad_clicked", later, new JsonObject { ["channel"] = "search" }, occurredAt: "1971-12-01T00:00:00Z"),
            Json.Touchpoint("ad_clicked", Json.NewId("c"), new JsonObject { ["channel"] = "search" }, occurredAt: "1972-08-01T00:00:00Z")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await app.WaitForProjectionsAsync();
        const string asOf = "1972-01-15T00:00:00Z";

        var whatIf = await client.PostAsJsonAsync("/api/lifecycle/what-if", new { rules = new { atRiskAfterDays = 90 }, asOf });
        var stages = (await client.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages?asOf={asOf}"))!;

        Assert.Equal(HttpStatusCode.OK, whatIf.StatusCode);
        var report = (await whatIf.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((int)stages["customers"]!, (int)report["customers"]!);
        Assert.Equal(2, (int)report["customers"]!);
        Assert.Contains(report["matrix"]!.AsArray(), c => (string?)c!["from"] == "customer" && (int)c["count"]! == 1);
        Assert.Contains(report["matrix"]!.AsArray(), c => (string?)c!["from"] == "prospect" && (int)c["count"]! == 1);
        Assert.Equal("customer", (string)(await client.GetFromJsonAsync<JsonObject>($"/api/customers/{early}/stage?asOf={asOf}"))!["stage"]!);
    }

    [Theory]
    [InlineData("""{"rules":{"churnAfterDays":10}}""", "rules.churnAfterDays")]
    [InlineData("""{"rules":{"atRiskAfterDayz":10}}""", "rules.atRiskAfterDayz")]
    [InlineData("""{"rules":{"atRiskAfterDays":"soon"}}""", "rules.atRiskAfterDays")]
    [InlineData("""{"rules":{},"sample":0}""", "sample")]
    public async Task A_bad_candidate_rule_set_is_400_naming_the_field(string body, string field)
    {
        var response = await client.PostAsync("/api/lifecycle/what-if", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![field]);
    }
}
