using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Analytics.ChurnRisk;
using CustomerLifecycle.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace CustomerLifecycle.Tests.Analytics.Clv;

/// <summary>A service of its own, in a database of its own, with the refit schedule on: full-scope fits are its business.</summary>
public sealed class ScheduledRefitApp : CustomerLifecycleApp
{
    protected override Task<string> CreateDatabaseAsync() => TestPostgres.CreateDatabaseAsync("refit");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Analytics:Clv:RefitInterval", "01:00:00");
        builder.UseSetting("Analytics:Clv:Currency", "USD");
    }
}

public class ScheduledRefitHttpTests(ScheduledRefitApp app) : IClassFixture<ScheduledRefitApp>
{
    private readonly HttpClient read = app.ClientWithKey(TestKeys.Read);

    private async Task<JsonArray> SnapshotsAsync() =>
        (await read.GetFromJsonAsync<JsonObject>("/api/analytics/clv/snapshots?limit=200"))!["snapshots"]!.AsArray();

    [Fact]
    public async Task The_schedule_queues_one_full_scope_fit_at_start_with_the_configured_defaults_and_an_empty_store_leaves_no_failed_fit()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        JsonNode? scheduled;
        do
        {
            scheduled = (await SnapshotsAsync()).FirstOrDefault(s => (string)s!["requestedBy"]! == "schedule" && (string)s["status"]! is not ("queued" or "running"));
            await Task.Delay(200);
        }
        while (scheduled is null && DateTime.UtcNow < deadline);

        Assert.NotNull(scheduled);
        Assert.Equal((true, "USD"), ((bool)scheduled["fullScope"]!, (string)scheduled["currency"]!));
        // The store is empty at start: nothing to fit is not a failure. (The class's other test may have loaded a shop
        // before the scheduled fit ran; then it fitted that, and still must not fail.)
        Assert.True(
            (string)scheduled["status"]! is "no_data" or "completed" or "degraded",
            $"the scheduled fit ended {scheduled.ToJsonString()}");
        Assert.Single(await SnapshotsAsync(), s => (string)s!["requestedBy"]! == "schedule");
    }

    [Fact]
    public async Task Without_a_snapshot_id_the_views_read_the_newest_completed_full_scope_fit()
    {
        var (log, customers) = SyntheticShop.Log(DateOnly.FromDateTime(DateTime.UtcNow), 80, seed: 7);
        Assert.Equal(HttpStatusCode.OK, (await ClvFitting.ImportAsync(app.ClientWithKey(TestKeys.Ingest), log, "source=shop&currency=USD")).StatusCode);
        await app.WaitForProjectionsAsync();
        var id = await ClvFitting.FitAsync(app.ClientWithKey(TestKeys.Operate), new JsonObject());

        var ranking = (await read.GetFromJsonAsync<JsonObject>("/api/analytics/churn-risk"))!;
        var segments = (await read.GetFromJsonAsync<JsonObject>("/api/analytics/churn-risk/segments"))!;

        Assert.Equal((id, customers), ((string)ranking["snapshotId"]!, (int)ranking["total"]!));
        Assert.Equal(id, (string)segments["snapshotId"]!);
    }
}
