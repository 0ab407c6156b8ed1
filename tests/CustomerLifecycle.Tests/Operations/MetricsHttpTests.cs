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
    }

    [Fact]
    public async Task Every_metric_the_service_exports_is_listed_in_the_operations_guide()
    {
        var client = app.ClientWithKey(TestKeys.All);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/touchpoints", Json.Purchase(Json.NewId("m")))).StatusCode);
        // The exporter serves a scrape from a short-lived cache: ask again until the touchpoint just posted shows.
        var metrics = await ScrapeAsync(app.ClientWithKey(TestKeys.Operate));
        for (var attempt = 0; attempt < 20 && !metrics.Contains("customer_lifecycle_touchpoints_total{", StringComparison.Ordinal); attempt++)
        {
            await Task.Delay(250);
            metrics = await ScrapeAsync(app.ClientWithKey(TestKeys.Operate));
        }

        var exported = metrics.Split('\n')
            .Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(line => line.Split(' ')[2])
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        var guide = await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "docs", "operations.md"));

        Assert.Contains("customer_lifecycle_touchpoints_total{", metrics, StringComparison.Ordinal);
        // A library's family is listed by its prefix (`marten_*`); the service's own meter name by name.
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
