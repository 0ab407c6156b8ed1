using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;
using Snapshooter.Xunit;

namespace CustomerLifecycle.Tests.Lifecycle.Http;

/// <summary>
/// Whole read models pinned as snapshots (tests/.../__snapshots__): any change to what the views say about a
/// customer shows up as a reviewable diff. The history is old enough that every deadline has passed, so the views
/// are stable whatever day the tests run; only times we record on receipt are left out.
/// </summary>
[Collection(AppFixtureGroup.Name)]
public class ReadModelSnapshotTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);

    private static JsonObject Touch(string id, string type, string customer, string at, JsonObject data) =>
        Json.Touchpoint(type, customer, data, eventId: $"{customer}-{id}", occurredAt: at, source: "snapshot-suite");

    [Fact]
    public async Task The_profile_and_transition_log_of_a_full_journey()
    {
        // Fixed ids: each test run has a fresh database, and the snapshot names them.
        const string customer = "snapshot-journey-1";
        var touchpoints = new JsonNode[]
        {
            Touch("01", "ad_clicked", customer, "2024-01-05T09:00:00Z", new JsonObject { ["channel"] = "search", ["campaign"] = "new-year" }),
            Touch("02", "signed_up", customer, "2024-01-06T10:00:00Z", new JsonObject { ["plan"] = "free" }),
            Touch("03", "purchase_completed", customer, "2024-01-20T12:00:00Z", new JsonObject { ["orderId"] = "o-1", ["amount"] = 40, ["currency"] = "EUR" }),
            Touch("04", "purchase_completed", customer, "2024-02-25T12:00:00Z", new JsonObject { ["orderId"] = "o-2", ["amount"] = 25.5, ["currency"] = "EUR" }),
            Touch("05", "refund_issued", customer, "2024-03-01T12:00:00Z", new JsonObject { ["orderId"] = "o-2", ["amount"] = 5.5, ["currency"] = "EUR" }),
            Touch("06", "survey_answered", customer, "2024-03-10T12:00:00Z", new JsonObject { ["surveyId"] = "nps-q1", ["kind"] = "nps", ["score"] = 9 }),
            Touch("07", "referral_made", customer, "2024-03-15T12:00:00Z", new JsonObject { ["referredCustomerId"] = "snapshot-friend" }),
        };
        var response = await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // A late purchase, dated before the last known churn: the log keeps both beliefs.
        var late = await client.PostAsJsonAsync("/api/touchpoints", Touch("08", "purchase_completed", customer, "2024-08-01T12:00:00Z",
            new JsonObject { ["orderId"] = "o-3", ["amount"] = 60, ["currency"] = "EUR" }));
        Assert.Equal(HttpStatusCode.Created, late.StatusCode);
        await app.WaitForProjectionsAsync();

        var profile = await client.GetStringAsync($"/api/customers/{customer}/profile");
        var log = await client.GetStringAsync($"/api/customers/{customer}/transitions");

        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(profile), "profile", o => o
            .IgnoreField("evaluatedThrough")
            .IgnoreFields("timeInStage[*].total")
            .IgnoreFields("timeInStage[*].latestSpell"));
        Snapshot.Match(Newtonsoft.Json.Linq.JToken.Parse(log), "transitions", o => o
            .IgnoreField("evaluatedThrough")
            .IgnoreFields("transitions[*].learnedAt")
            .IgnoreFields("transitions[*].supersededAt")
            // Global sequence numbers depend on what other tests appended first.
            .IgnoreAllFields("sequence"));
    }
}
