using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CustomerLifecycle.DemoData.Generation;
using CustomerLifecycle.DemoData.Posting;

namespace CustomerLifecycle.Tests.DemoData;

public class TouchpointPosterTests
{
    private static readonly GeneratedTouchpoint[] Three =
    [
        .. Enumerable.Range(1, 3).Select(i => new GeneratedTouchpoint($"e-{i}", "c-1", "site_visited", DateTimeOffset.UnixEpoch, false, $$"""{"eventId":"e-{{i}}"}""")),
    ];

    private readonly List<TimeSpan> waits = [];

    private TouchpointPoster Poster(ScriptedService service, int batchSize = 500, int maxAttempts = 6) =>
        new(new HttpClient(service) { BaseAddress = new Uri("http://demo.test") }, new PosterOptions { BatchSize = batchSize, MaxAttempts = maxAttempts },
            (wait, _) =>
            {
                waits.Add(wait);
                return Task.CompletedTask;
            });

    [Fact]
    public async Task A_503_is_retried_after_the_time_Retry_After_asks_for_with_the_same_body()
    {
        var service = new ScriptedService(Unavailable(retryAfterSeconds: 5), Accepted);

        var report = await Poster(service).PostAsync(Three);

        Assert.True(report.Succeeded);
        Assert.Equal((3, 0, 1), (report.Accepted, report.Duplicates, report.Retries));
        Assert.Equal([TimeSpan.FromSeconds(5)], waits);
        Assert.Equal(2, service.Bodies.Count);
        Assert.Equal(service.Bodies[0], service.Bodies[1]);
        Assert.Equal(3, JsonNode.Parse(service.Bodies[0])!["touchpoints"]!.AsArray().Count);
    }

    [Fact]
    public async Task Retries_are_bounded_and_the_report_says_why_posting_stopped()
    {
        var service = new ScriptedService(Enumerable.Repeat(Unavailable(retryAfterSeconds: 5), 10).ToArray());

        var report = await Poster(service, maxAttempts: 3).PostAsync(Three);

        Assert.False(report.Succeeded);
        Assert.Equal((0, 3), (report.Sent, service.Bodies.Count));
        Assert.Equal(2, waits.Count);
        Assert.Contains("503", report.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_with_a_rejected_item_stops_posting_and_names_the_item()
    {
        var service = new ScriptedService(request => Answer(HttpStatusCode.MultiStatus, """
            {"accepted":1,"duplicates":0,"rejected":1,"items":[
              {"index":0,"eventId":"e-1","status":"accepted","recordedAt":"2026-11-23T12:00:00+00:00","sequence":1,"version":1},
              {"index":1,"eventId":"e-2","status":"rejected","reason":"validation","errors":{"data.score":["must be 1..5 for a CSAT answer"]},"rejectionId":7}]}
            """), Accepted);

        var report = await Poster(service, batchSize: 2).PostAsync(Three);

        Assert.False(report.Succeeded);
        Assert.Single(service.Bodies);
        var rejected = Assert.Single(report.Rejected);
        Assert.Equal((1, "e-2", "validation"), (rejected.Index, rejected.EventId, rejected.Reason));
        Assert.Equal(["must be 1..5 for a CSAT answer"], rejected.Errors!["data.score"]);
    }

    private static Func<HttpRequestMessage, HttpResponseMessage> Unavailable(int retryAfterSeconds) => _ =>
    {
        var response = Answer(HttpStatusCode.ServiceUnavailable, """{"title":"Event store unavailable","status":503}""");
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(retryAfterSeconds));
        return response;
    };

    private static HttpResponseMessage Accepted(HttpRequestMessage request)
    {
        var count = JsonNode.Parse(request.Content!.ReadAsStream())!["touchpoints"]!.AsArray().Count;
        var items = string.Join(",", Enumerable.Range(0, count).Select(i => $$"""{"index":{{i}},"status":"accepted"}"""));
        return Answer(HttpStatusCode.OK, $$"""{"accepted":{{count}},"duplicates":0,"rejected":0,"items":[{{items}}]}""");
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>A stand-in for the service that answers each request with the next scripted answer and keeps the bodies.</summary>
    private sealed class ScriptedService(params Func<HttpRequestMessage, HttpResponseMessage>[] answers) : HttpMessageHandler
    {
        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Assert.Equal("/api/touchpoints/batch", request.RequestUri!.AbsolutePath);
            Bodies.Add(await request.Content!.ReadAsStringAsync(cancellationToken));
            return answers[Bodies.Count - 1](request);
        }
    }
}
