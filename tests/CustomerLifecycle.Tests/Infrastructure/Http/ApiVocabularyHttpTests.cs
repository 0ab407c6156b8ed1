using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Infrastructure.Http;

/// <summary>Answers and errors speak the API's names: snake_case stages, ISO formats, eventId for the client's id only.</summary>
[Collection(AppFixtureGroup.Name)]
public class ApiVocabularyHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);

    [Theory]
    [InlineData("/api/lifecycle/stages?asOf=yesterday", "asOf", "must be an ISO 8601 date or timestamp")]
    [InlineData("/api/customers/someone/events?limit=ten", "limit", "must be a whole number")]
    [InlineData("/api/lifecycle/stages/champion/customers", "stage", "must be one of prospect, engaged, trial, customer, repeat_customer, loyal, advocate, at_risk, churned, won_back")]
    public async Task A_bad_query_value_is_a_400_naming_the_field_in_the_apis_words(string url, string field, string reason)
    {
        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var message = (string)JsonNode.Parse(body)!["errors"]![field]![0]!;
        Assert.StartsWith(reason, message, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"rules":{},"asOf":"soon"}""", "asOf")]
    [InlineData("""{"rules":{"inactiveAtRiskEnabled":"x"}}""", "rules.inactiveAtRiskEnabled")]
    public async Task A_body_field_of_the_wrong_type_is_a_400_naming_the_field_without_dotnet_types(string json, string field)
    {
        var response = await client.PostAsync("/api/lifecycle/what-if", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.NotNull(JsonNode.Parse(body)!["errors"]![field]);
        Assert.DoesNotContain("System.", body, StringComparison.Ordinal);
        Assert.DoesNotContain("CustomerLifecycle.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_transitions_cause_names_the_stores_id_storeId_the_same_id_the_events_page_calls_storeId()
    {
        var customer = Json.NewId("c");
        var purchase = Json.Purchase(customer);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/touchpoints", purchase)).StatusCode);
        await app.WaitForProjectionsAsync();

        var events = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events"))!["events"]!.AsArray();
        var transitions = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/transitions"))!["transitions"]!.AsArray();

        var stored = Assert.Single(events)!;
        Assert.Equal((string)purchase["eventId"]!, (string)stored["eventId"]!);
        var cause = transitions[0]!["cause"]!;
        Assert.Equal((string)stored["storeId"]!, (string)cause["storeId"]!);
        Assert.Null(cause["eventId"]);
    }
}
