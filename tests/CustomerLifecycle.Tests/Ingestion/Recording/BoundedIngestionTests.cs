using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Ingestion.Recording;
using CustomerLifecycle.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CustomerLifecycle.Tests.Ingestion.Recording;

/// <summary>Memory bounded by the limits: the quarantine keeps a prefix of a giant body, and the commit queue is bounded.</summary>
[Collection(AppFixtureGroup.Name)]
public class BoundedIngestionTests(CustomerLifecycleApp app)
{
    private readonly HttpClient all = app.ClientWithKey(TestKeys.All);

    [Fact]
    public async Task An_oversized_batch_is_quarantined_as_a_prefix_with_its_size_and_hash()
    {
        var limits = new IngestionLimits();
        var body = Encoding.UTF8.GetBytes("{\"touchpoints\":[\"" + new string('x', limits.MaxBatchBytes + 1000) + "\"]}");
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await all.PostAsync("/api/touchpoints/batch", content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var id = (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]!;
        var rejection = (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?before={id + 1}&limit=1"))!["items"]![0]!;
        Assert.Equal(
            ("batch_too_large", (long)body.Length, Convert.ToHexStringLower(SHA256.HashData(body)), true),
            ((string)rejection["reason"]!, (long)rejection["payloadBytes"]!, (string)rejection["payloadSha256"]!, (bool)rejection["payloadTruncated"]!));
        var stored = await all.GetByteArrayAsync(new Uri($"/api/ingestion/rejections/{id}/payload", UriKind.Relative));
        Assert.Equal(body.AsSpan(0, limits.QuarantinePrefixBytes).ToArray(), stored);
        Assert.Equal(GetRejectionsPreview(body, limits), (string)rejection["payload"]!);
    }

    private static string GetRejectionsPreview(byte[] body, IngestionLimits limits) =>
        Encoding.UTF8.GetString(body, 0, Math.Min(limits.QuarantinePrefixBytes, CustomerLifecycle.Ingestion.Rejections.GetRejections.PreviewBytes));

    [Fact]
    public async Task A_payload_within_the_limits_is_kept_whole_with_its_hash()
    {
        var body = "{\"touchpoints\": [ oops";
        var response = await all.PostAsync("/api/touchpoints/batch", new StringContent(body, Encoding.UTF8, "application/json"));
        var id = (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]!;

        var rejection = (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?before={id + 1}&limit=1"))!["items"]![0]!;

        Assert.Equal(
            (body, (long)body.Length, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))), false),
            ((string)rejection["payload"]!, (long)rejection["payloadBytes"]!, (string)rejection["payloadSha256"]!, (bool)rejection["payloadTruncated"]!));
    }

    [Fact]
    public async Task The_group_commit_queue_refuses_beyond_its_bound_instead_of_growing()
    {
        // Not started: nothing drains the queue, so the second event finds it full.
        var commit = new GroupCommit(
            app.Services.GetRequiredService<TouchpointAppender>(), Options.Create(new IngestionLimits { MaxQueuedEvents = 1 }), NullLogger<GroupCommit>.Instance);
        var parser = app.Services.GetRequiredService<TouchpointParser>();
        ValidTouchpoint Valid()
        {
            using var document = System.Text.Json.JsonDocument.Parse(Json.Purchase(Json.NewId("c")).ToJsonString());
            return parser.Parse(document.RootElement, DateTimeOffset.UtcNow).Touchpoint!;
        }

        var origin = new RequestOrigin(RecordTouchpoints.OneRoute, "test", DateTimeOffset.UtcNow);
        var first = commit.AppendAsync(Valid(), origin);

        var refused = Assert.Throws<QueueFullException>(() => { _ = commit.AppendAsync(Valid(), origin); });
        Assert.Contains("Ingestion:MaxQueuedEvents", refused.Message, StringComparison.Ordinal);
        Assert.False(first.IsCompleted);
    }
}
