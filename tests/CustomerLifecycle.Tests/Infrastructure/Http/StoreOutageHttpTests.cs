using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Infrastructure.Postgres;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Infrastructure.Http;

/// <summary>Stops the real PostgreSQL under a running service, then starts it again.</summary>
public sealed class StoreOutageHttpTests : IAsyncLifetime
{
    private PrivatePostgres server = null!;
    private OutageApp app = null!;

    private sealed class OutageApp(string connectionString) : CustomerLifecycleApp
    {
        protected override Task<string> CreateDatabaseAsync() => Task.FromResult(connectionString);
    }

    public async Task InitializeAsync()
    {
        server = await TestPostgres.StartDedicatedAsync("postgres-outage");
        app = new OutageApp(await server.CreateDatabaseAsync("outage"));
        await app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await app.DisposeAsync();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task With_the_store_down_ingestion_is_503_with_retry_after_and_recovers_by_itself()
    {
        var client = app.ClientWithKey(TestKeys.All);
        var customer = Json.NewId("c");
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(customer))).StatusCode);

        await server.StopAsync();
        var lost = Json.Purchase(customer);
        var during = await client.PostAsJsonAsync("/api/touchpoints", lost);
        var batchDuring = await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(Json.Purchase(customer)));
        var readyDuring = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), during.Headers.RetryAfter!.Delta);
        Assert.Equal("application/problem+json", during.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, batchDuring.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyDuring.StatusCode);

        await server.StartAgainAsync();
        var retried = await RetryUntilAcceptedAsync(client, lost, TimeSpan.FromSeconds(30));

        Assert.Equal(HttpStatusCode.Created, retried);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
        var events = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events"))!["events"]!.AsArray();
        Assert.Equal(2, events.Count);
    }

    /// <summary>What a well-behaved client does with 503 + Retry-After (pooled connections die with the server, so the first tries may still fail).</summary>
    private static async Task<HttpStatusCode> RetryUntilAcceptedAsync(HttpClient client, JsonObject touchpoint, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            var status = (await client.PostAsJsonAsync("/api/touchpoints", touchpoint)).StatusCode;
            if (status != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(250);
        }
    }
}
