using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CsCheck;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Tests.Support;
using Npgsql;

namespace CustomerLifecycle.Tests.Ingestion;

/// <summary>
/// Customer ids either fall outside the documented alphabet and are refused at ingest with a 400 naming customerId,
/// or they round-trip: the events are read back under the same id, and erasure leaves no personal data behind.
/// </summary>
[Collection(AppFixtureGroup.Name)]
public class CustomerIdRoundTripTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);

    // Printable ASCII, the characters URLs treat specially, and a few beyond ASCII.
    private static readonly char[] Special = ['/', '\\', '%', '?', '#', '.', ' ', '\t', 'é', '€', '\u00a0', '$'];

    private static readonly Gen<string> Ids = Gen.OneOf(Gen.Char['!', '~'], Gen.Int[0, Special.Length - 1].Select(i => Special[i]))
        .Array[0, 12]
        .Select(chars => new string(chars));

    private static readonly string[] Edges = [".", "..", "/", "a/b", "../x", "%2F", "a%2Fb", "$x", "x$", "a.b", "...", "~", "a:b@c", "(x)", "a+b", "a=b;c,d", "*", "'"];

    [Fact]
    public async Task Every_generated_id_is_either_refused_at_ingest_or_read_and_erased_under_the_same_id()
    {
        await Ids.SampleAsync(async generated => await CheckAsync(generated + "-" + Guid.NewGuid().ToString("N")[..8]), iter: 40, threads: 1);
    }

    [Fact]
    public async Task Edge_ids_are_either_refused_at_ingest_or_read_and_erased_under_the_same_id()
    {
        foreach (var id in Edges)
        {
            await CheckAsync(id);
        }
    }

    private async Task CheckAsync(string customerId)
    {
        var email = $"{Json.NewId("pii")}@example.com";
        var contact = Json.Touchpoint("contact_details_provided", customerId, new JsonObject { ["email"] = email, ["name"] = email });
        var posted = await client.PostAsJsonAsync("/api/touchpoints", contact);

        if (!CustomerLifecycle.Ingestion.CustomerIds.IsValid(customerId))
        {
            Assert.True(posted.StatusCode == HttpStatusCode.BadRequest, $"'{customerId}': expected 400, got {posted.StatusCode}");
            Assert.NotNull((await posted.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["customerId"]);
            Assert.Equal(0, await CountInEventsAsync(email));
            return;
        }

        Assert.True(posted.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"'{customerId}': expected 201, got {posted.StatusCode}");
        var path = $"/api/customers/{Uri.EscapeDataString(customerId)}";
        var events = await client.GetFromJsonAsync<JsonObject>(new Uri($"{path}/events", UriKind.Relative));
        Assert.Contains(events!["events"]!.AsArray(), e => (string?)e!["data"]!["email"] == email);
        Assert.Equal(customerId, (string)events["customerId"]!);

        var erased = await client.PostAsJsonAsync(new Uri($"{path}/erase", UriKind.Relative), new { reason = "customer id property test" });

        Assert.True(erased.StatusCode == HttpStatusCode.OK, $"'{customerId}': erasure answered {erased.StatusCode}");
        Assert.Equal(customerId, (string)(await erased.Content.ReadFromJsonAsync<JsonObject>())!["customerId"]!);
        Assert.Equal(0, await CountInEventsAsync(email));
    }

    /// <summary>Rows of mt_events whose data still holds <paramref name="text"/>.</summary>
    private async Task<long> CountInEventsAsync(string text)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = dataSource.CreateCommand($"select count(*) from {StoreSetup.Schema}.mt_events where data::text like '%' || $1 || '%'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = text });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
