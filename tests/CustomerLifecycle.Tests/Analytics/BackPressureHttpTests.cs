using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Importing;
using CustomerLifecycle.Tests.Support;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Tests.Analytics;

/// <summary>A node that queues at most one CLV fit, in a database of its own.</summary>
public sealed class OneQueuedFitApp : CustomerLifecycleApp
{
    protected override IEnumerable<(string Key, string Value)> Settings => [("Analytics:Clv:MaxQueuedFits", "1")];
}

/// <summary>Imports and CLV fits are bounded: beyond the bound a request gets 429 with Retry-After, not a growing queue.</summary>
public class BackPressureHttpTests(OneQueuedFitApp app) : IClassFixture<OneQueuedFitApp>
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);

    [Fact]
    public async Task An_import_beyond_the_running_imports_bound_is_429_with_Retry_After()
    {
        var slots = app.Services.GetRequiredService<ImportSlots>();
        var taken = Enumerable.Range(0, slots.Count).Count(_ => slots.TryTake());
        try
        {
            var response = await ClvFitting.ImportAsync(client, "00001 19970101 1 11.77\n", "source=cdnow&currency=USD");

            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        finally
        {
            for (var i = 0; i < taken; i++)
            {
                slots.Release();
            }
        }

        var after = await ClvFitting.ImportAsync(client, "00001 19970101 1 11.77\n", "source=cdnow&currency=USD&customerPrefix=bp-");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task A_fit_request_beyond_the_queued_fits_bound_is_429_with_Retry_After()
    {
        var (settings, _) = new ClvFitRequest().Resolve(new ClvDefaults(), new ChurnSignalWeights(), DateOnly.FromDateTime(DateTime.UtcNow));
        var (waiting, _) = ClvFits.Queued(settings!, "test", DateTimeOffset.UtcNow);
        await using (var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Store(waiting);
            await session.SaveChangesAsync();
        }

        var response = await client.PostAsJsonAsync(ClvFits.Route, new JsonObject());

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter?.Delta);
        Assert.Contains("Analytics:Clv:MaxQueuedFits", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!, StringComparison.Ordinal);
    }
}
