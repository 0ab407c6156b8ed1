using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Ingestion.Recording;

[Collection(AppFixtureGroup.Name)]
public class RecordTouchpointsHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);
    private readonly HttpClient all = app.ClientWithKey(TestKeys.All);

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonObject> EventsOf(string customerId)
    {
        var response = await all.GetAsync($"/api/customers/{customerId}/events");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private async Task<JsonArray> RejectionsFor(string eventId) =>
        (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?eventId={eventId}"))!["items"]!.AsArray();

    [Fact]
    public async Task An_accepted_touchpoint_is_201_and_lands_in_the_customers_stream_with_its_metadata()
    {
        var customer = Json.NewId("c");
        var touchpoint = Json.Purchase(customer, 42.5m);
        touchpoint["sentAt"] = "2026-11-20T10:00:30Z";

        var response = await ingest.PostAsync("/api/touchpoints", Body(touchpoint.ToJsonString()));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/customers/{customer}/events", response.Headers.Location!.ToString());
        var receipt = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(("accepted", 1L), ((string)receipt["status"]!, (long)receipt["version"]!));

        var stream = await EventsOf(customer);
        var stored = Assert.Single(stream["events"]!.AsArray())!;
        Assert.Equal((string)touchpoint["eventId"]!, (string)stored["eventId"]!);
        Assert.Equal("purchase_completed", (string)stored["type"]!);
        Assert.Equal("test-suite", (string)stored["source"]!);
        Assert.Equal(42.5m, (decimal)stored["data"]!["amount"]!);
        Assert.Equal((long)receipt["sequence"]!, (long)stored["sequence"]!);
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:00:30Z", System.Globalization.CultureInfo.InvariantCulture), (DateTimeOffset)stored["sentAt"]!);
        // The raw client occurredAt is kept beside the skew-corrected business time.
        Assert.Equal(DateTimeOffset.Parse("2026-11-20T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture), (DateTimeOffset)stored["clientOccurredAt"]!);
        Assert.Equal((DateTimeOffset)receipt["recordedAt"]!, (DateTimeOffset)stored["recordedAt"]!);
    }

    [Fact]
    public async Task The_same_event_twice_is_a_duplicate_and_stored_once()
    {
        var customer = Json.NewId("c");
        var touchpoint = Json.Purchase(customer).ToJsonString();

        var first = await ingest.PostAsync("/api/touchpoints", Body(touchpoint));
        var second = await ingest.PostAsync("/api/touchpoints", Body(touchpoint));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var receipt = (await second.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("duplicate", (string)receipt["status"]!);
        Assert.Equal((await first.Content.ReadFromJsonAsync<JsonObject>())!["recordedAt"]!.ToString(), receipt["recordedAt"]!.ToString());
        Assert.Single((await EventsOf(customer))["events"]!.AsArray());
    }

    [Fact]
    public async Task The_same_event_id_with_different_content_is_409_and_quarantined()
    {
        var customer = Json.NewId("c");
        var eventId = Json.NewId("e");
        await ingest.PostAsync("/api/touchpoints", Body(Json.Purchase(customer, 10m, eventId).ToJsonString()));
        var changed = Json.Purchase(customer, 11m, eventId).ToJsonString();

        var response = await ingest.PostAsync("/api/touchpoints", Body(changed));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var rejection = Assert.Single(await RejectionsFor(eventId))!;
        Assert.Equal("conflict", (string)rejection["reason"]!);
        Assert.Equal(changed, (string)rejection["payload"]!);
        Assert.Single((await EventsOf(customer))["events"]!.AsArray());
    }

    [Fact]
    public async Task An_invalid_touchpoint_is_400_naming_the_field_and_its_raw_payload_is_quarantined()
    {
        var touchpoint = Json.Purchase(Json.NewId("c"), -5m);
        var body = touchpoint.ToJsonString();

        var response = await ingest.PostAsync("/api/touchpoints", Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.NotNull(problem["errors"]!["data.amount"]);
        var rejection = Assert.Single(await RejectionsFor((string)touchpoint["eventId"]!))!;
        Assert.Equal(("validation", body, (long)problem["rejectionId"]!), ((string)rejection["reason"]!, (string)rejection["payload"]!, (long)rejection["id"]!));
        Assert.NotNull(rejection["errors"]!["data.amount"]);
    }

    [Fact]
    public async Task Occurred_at_more_than_a_day_in_the_future_is_400()
    {
        var touchpoint = Json.Purchase(Json.NewId("c"), occurredAt: DateTimeOffset.UtcNow.AddHours(25).ToString("O"));
        var response = await ingest.PostAsync("/api/touchpoints", Body(touchpoint.ToJsonString()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["occurredAt"]);
    }

    [Fact]
    public async Task Malformed_json_is_400_and_kept_byte_for_byte()
    {
        var marker = Json.NewId("broken");
        var body = $$"""{"eventId":"{{marker}}", "customerId": """;

        var response = await ingest.PostAsync("/api/touchpoints", Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var id = (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]!;
        var page = (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?reason=malformed_json&before={id + 1}&limit=1"))!;
        var rejection = Assert.Single(page["items"]!.AsArray())!;
        Assert.Equal(body, (string)rejection["payload"]!);
    }

    [Fact]
    public async Task A_single_touchpoint_over_32_KB_is_413_and_quarantined()
    {
        var touchpoint = Json.Touchpoint("site_visited", Json.NewId("c"), new JsonObject { ["page"] = "/" + new string('a', 33 * 1024) });

        var response = await ingest.PostAsync("/api/touchpoints", Body(touchpoint.ToJsonString()));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var id = (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]!;
        var rejection = (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?before={id + 1}&limit=1"))!["items"]![0]!;
        Assert.Equal(("too_large", id), ((string)rejection["reason"]!, (long)rejection["id"]!));
        Assert.True((int)rejection["payloadBytes"]! > 32 * 1024);
    }

    [Fact]
    public async Task A_batch_answers_item_by_item_and_stores_the_good_ones()
    {
        var customer = Json.NewId("c");
        var known = Json.Purchase(customer);
        await ingest.PostAsync("/api/touchpoints", Body(known.ToJsonString()));
        var good = Json.Purchase(customer, 5m);
        var bad = Json.Purchase(customer, -1m);
        var conflicting = Json.Purchase(customer, 99m, (string)known["eventId"]!);
        var visit = Json.Touchpoint("site_visited", customer, new JsonObject { ["page"] = "/pricing" });

        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(good, known.DeepClone(), bad, conflicting, visit).ToJsonString()));

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var receipt = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((2, 1, 2), ((int)receipt["accepted"]!, (int)receipt["duplicates"]!, (int)receipt["rejected"]!));
        var items = receipt["items"]!.AsArray();
        Assert.Equal(["accepted", "duplicate", "rejected", "rejected", "accepted"], items.Select(i => (string)i!["status"]!));
        Assert.Equal(["validation", "conflict"], new[] { (string)items[2]!["reason"]!, (string)items[3]!["reason"]! });
        Assert.NotNull(items[2]!["errors"]!["data.amount"]);

        var stored = (await EventsOf(customer))["events"]!.AsArray();
        Assert.Equal([(string)known["eventId"]!, (string)good["eventId"]!, (string)visit["eventId"]!], stored.Select(e => (string)e!["eventId"]!));
        Assert.Equal([1L, 2L, 3L], stored.Select(e => (long)e!["version"]!));

        var quarantined = Assert.Single(await RejectionsFor((string)bad["eventId"]!))!;
        Assert.Equal((2, bad.ToJsonString()), ((int)quarantined["itemIndex"]!, (string)quarantined["payload"]!));
    }

    [Fact]
    public async Task A_nul_character_in_one_item_rejects_that_item_only()
    {
        var customer = Json.NewId("c");
        var good = Json.Purchase(customer);
        var bad = Json.Touchpoint("ad_shown", customer, new JsonObject { ["channel"] = "web", ["campaign"] = "a\u0000b" }, eventId: "nul\u0000id");

        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(good, bad).ToJsonString()));

        Assert.Equal(HttpStatusCode.MultiStatus, response.StatusCode);
        var items = (await response.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray();
        Assert.Equal(["accepted", "rejected"], items.Select(i => (string)i!["status"]!));
        Assert.NotNull(items[1]!["rejectionId"]);
        Assert.Single((await EventsOf(customer))["events"]!.AsArray());
    }

    [Fact]
    public async Task A_fully_accepted_batch_is_200()
    {
        var customer = Json.NewId("c");
        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(Json.Purchase(customer), Json.Purchase(customer)).ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!);
    }

    [Fact]
    public async Task The_same_id_twice_inside_one_batch_is_stored_once()
    {
        var customer = Json.NewId("c");
        var touchpoint = Json.Purchase(customer);
        var sameIdOtherContent = Json.Purchase(customer, 1m, (string)touchpoint["eventId"]!);

        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(touchpoint, touchpoint.DeepClone(), sameIdOtherContent).ToJsonString()));

        var items = (await response.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray();
        Assert.Equal(["accepted", "duplicate", "rejected"], items.Select(i => (string)i!["status"]!));
        Assert.Single((await EventsOf(customer))["events"]!.AsArray());
    }

    [Fact]
    public async Task A_good_retry_beside_a_conflicting_copy_in_one_batch_is_a_duplicate()
    {
        var customer = Json.NewId("c");
        var stored = Json.Purchase(customer, 10m);
        await ingest.PostAsync("/api/touchpoints", Body(stored.ToJsonString()));
        var conflicting = Json.Purchase(customer, 11m, (string)stored["eventId"]!);

        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(conflicting, stored.DeepClone()).ToJsonString()));

        var items = (await response.Content.ReadFromJsonAsync<JsonObject>())!["items"]!.AsArray();
        Assert.Equal(["rejected", "duplicate"], items.Select(i => (string)i!["status"]!));
    }

    [Fact]
    public async Task A_batch_of_a_thousand_events_is_accepted_whole()
    {
        var customers = Enumerable.Range(0, 100).Select(_ => Json.NewId("c")).ToArray();
        var touchpoints = Enumerable.Range(0, 1000).Select(i => (JsonNode)Json.Purchase(customers[i % 100], i + 1)).ToArray();

        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(touchpoints).ToJsonString()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1000, (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!);
        Assert.Equal(10, (await EventsOf(customers[7]))["events"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_batch_with_too_many_items_is_413_and_quarantined()
    {
        var customer = Json.NewId("c");
        var touchpoints = Enumerable.Range(0, 5001).Select(_ => (JsonNode)Json.Touchpoint("ad_shown", customer, new JsonObject { ["channel"] = "tv" })).ToArray();

        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(touchpoints).ToJsonString()));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]);
        Assert.Equal(HttpStatusCode.NotFound, (await all.GetAsync($"/api/customers/{customer}/events")).StatusCode);
    }

    [Fact]
    public async Task A_batch_over_5_MB_is_413()
    {
        var customer = Json.NewId("c");
        var page = "/" + new string('p', 30 * 1024);
        var touchpoints = Enumerable.Range(0, 180).Select(_ => (JsonNode)Json.Touchpoint("site_visited", customer, new JsonObject { ["page"] = page })).ToArray();

        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(touchpoints).ToJsonString()));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"touchpoints":[]}""", "touchpoints")]
    [InlineData("""{"items":[{}]}""", "items")]
    [InlineData("""{"touchpoints":[{}],"dryRun":true}""", "dryRun")]
    [InlineData("""[{"eventId":"x"}]""", "touchpoints")]
    public async Task A_batch_that_is_not_a_touchpoints_array_is_400(string body, string field)
    {
        var response = await ingest.PostAsync("/api/touchpoints/batch", Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]![field]);
    }

    [Theory]
    [InlineData("/api/touchpoints", "text/plain")]
    [InlineData("/api/touchpoints/batch", "application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_declared_json_is_415_and_quarantined(string route, string contentType)
    {
        var body = Json.Purchase(Json.NewId("c")).ToJsonString();

        var response = await ingest.PostAsync(route, new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var id = (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]!;
        var rejection = (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?before={id + 1}&limit=1"))!["items"]![0]!;
        Assert.Equal(("unsupported_media_type", body), ((string)rejection["reason"]!, (string)rejection["payload"]!));
    }

    [Fact]
    public async Task Invalid_utf8_inside_a_string_is_400_and_kept_as_base64()
    {
        // JSON structure is fine; the bytes inside the source string are not UTF-8.
        var parts = Json.Purchase(Json.NewId("c")).ToJsonString().Split("test-suite");
        var bytes = Encoding.UTF8.GetBytes(parts[0]).Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes(parts[1])).ToArray();
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        var response = await ingest.PostAsync("/api/touchpoints", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var id = (long)(await response.Content.ReadFromJsonAsync<JsonObject>())!["rejectionId"]!;
        var rejection = (await all.GetFromJsonAsync<JsonObject>($"/api/ingestion/rejections?before={id + 1}&limit=1"))!["items"]![0]!;
        Assert.Equal(Convert.ToBase64String(bytes), (string)rejection["payloadBase64"]!);
    }

    [Theory]
    [InlineData("/api/customers/anyone/events?limit=ten")]
    [InlineData("/api/ingestion/rejections?before=yesterday")]
    public async Task A_query_value_of_the_wrong_type_is_400_not_ignored(string url)
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await all.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task Concurrent_posts_of_one_event_store_it_exactly_once()
    {
        var customer = Json.NewId("c");
        var body = Json.Purchase(customer).ToJsonString();
        using var start = new Barrier(16);

        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            start.SignalAndWait();
            return await ingest.PostAsync("/api/touchpoints", Body(body));
        })));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(15, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Single((await EventsOf(customer))["events"]!.AsArray());
    }

    [Fact]
    public async Task Concurrent_overlapping_batches_keep_every_stream_gapless_and_every_event_once()
    {
        var customers = Enumerable.Range(0, 5).Select(_ => Json.NewId("c")).ToArray();
        var touchpoints = Enumerable.Range(0, 200).Select(i => Json.Purchase(customers[i % 5], i + 1)).ToArray();
        var random = new Random(7);

        // Eight clients each send a random, overlapping half of the events in random order.
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
        {
            var subset = touchpoints.OrderBy(_ => random.Next()).Take(100).Select(t => (JsonNode)t.DeepClone()).ToArray();
            return Task.Run(() => ingest.PostAsync("/api/touchpoints/batch", Body(Json.Batch(subset).ToJsonString())));
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var accepted = 0;
        foreach (var r in responses)
        {
            accepted += (int)(await r.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!;
        }

        var storedIds = new List<string>();
        foreach (var customer in customers)
        {
            var events = (await all.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events?limit=1000"))!["events"]!.AsArray();
            Assert.Equal(Enumerable.Range(1, events.Count).Select(v => (long)v), events.Select(e => (long)e!["version"]!));
            // The daemon folds a stream in global sequence order, so that order must be the version order.
            var sequences = events.Select(e => (long)e!["sequence"]!).ToList();
            Assert.Equal(sequences.Order(), sequences);
            storedIds.AddRange(events.Select(e => (string)e!["eventId"]!));
        }

        Assert.Equal(storedIds.Count, storedIds.Distinct().Count());
        Assert.Equal(accepted, storedIds.Count);
    }

    [Fact]
    public async Task Many_concurrent_single_posts_are_each_acknowledged_once_and_all_stored()
    {
        var customers = Enumerable.Range(0, 4).Select(_ => Json.NewId("c")).ToArray();
        var bodies = Enumerable.Range(0, 200).Select(i => Json.Purchase(customers[i % 4], i + 1).ToJsonString()).ToArray();

        var responses = await Task.WhenAll(bodies.Select(body => Task.Run(() => ingest.PostAsync("/api/touchpoints", Body(body)))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var versions = new List<long>();
        foreach (var customer in customers)
        {
            var events = (await all.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events?limit=1000"))!["events"]!.AsArray();
            Assert.Equal(Enumerable.Range(1, 50).Select(v => (long)v), events.Select(e => (long)e!["version"]!));
        }
    }
}
