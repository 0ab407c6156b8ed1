using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Operations;

[Collection(AppFixtureGroup.Name)]
public class MetricsHttpTests(CustomerLifecycleApp app)
{
    [Fact]
    public async Task Metrics_show_ingestion_outcomes_append_sizes_and_latency_and_projection_lag_after_some_ingestion()
    {
        var client = app.ClientWithKey(TestKeys.All);
        var touchpoint = Json.Purchase(Json.NewId("m"));
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/touchpoints", touchpoint)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/touchpoints", touchpoint)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(Json.Purchase(Json.NewId("m")), Json.Purchase(Json.NewId("m"))))).StatusCode);

        var metrics = await ScrapeAsync(app.ClientWithKey(TestKeys.Operate));

        Assert.Matches("""customer_lifecycle_touchpoints_total\{[^}]*outcome="accepted"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""customer_lifecycle_touchpoints_total\{[^}]*outcome="duplicate"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""customer_lifecycle_touchpoints_total\{[^}]*outcome="rejected",reason="validation"[^}]*\} [1-9]""", metrics);
        Assert.Matches("""customer_lifecycle_append_size_count\{[^}]*endpoint="/api/touchpoints/batch"[^}]*\} [1-9]""", metrics);
        Assert.Contains("customer_lifecycle_append_duration_seconds_bucket{", metrics, StringComparison.Ordinal);
        Assert.Matches("""customer_lifecycle_projection_lag\{[^}]*shard="CustomerJourney:All"[^}]*\} \d+""", metrics);
        Assert.Contains("http_server_request_duration_seconds", metrics, StringComparison.Ordinal);
        // The same scrape, with the service's own meters in it, is what the operations guide must list.
        await AssertListedInTheGuideAsync(metrics);
    }

    /// <summary>Every metric in a scrape is named in docs/operations.md: ours by name, a library's by its family prefix (`marten_*`).</summary>
    private static async Task AssertListedInTheGuideAsync(string metrics)
    {
        var exported = metrics.Split('\n')
            .Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[2])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        var guide = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "docs", "operations.md"));
        var families = Regex.Matches(guide, @"`([a-z_]+)\*`").Select(m => m.Groups[1].Value).ToList();
        var missing = exported
            .Where(name => !guide.Contains($"`{name}", StringComparison.Ordinal))
            .Where(name => name.StartsWith("customer_lifecycle_", StringComparison.Ordinal) || !families.Any(f => name.StartsWith(f, StringComparison.Ordinal)))
            .ToList();
        Assert.True(missing.Count == 0, $"not in docs/operations.md: {string.Join(", ", missing)}");
    }

    [Fact]
    public async Task Metrics_need_the_operate_scope()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.ClientWithKey(null).GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.ClientWithKey(TestKeys.Read).GetAsync("/metrics")).StatusCode);
    }

    private static async Task<string> ScrapeAsync(HttpClient operate)
    {
        // The exporter caches a scrape briefly; a fresh one follows within a second.
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        using var response = await operate.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }
}
