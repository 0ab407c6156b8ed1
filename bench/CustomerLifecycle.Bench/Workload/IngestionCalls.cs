using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace CustomerLifecycle.Bench.Workload;

/// <summary>
/// The two ingestion requests, sent from pre-serialised bodies. Anything but full acceptance throws, so a
/// measurement never counts an event the service did not acknowledge.
/// </summary>
internal static class IngestionCalls
{
    private static readonly Uri One = new("/api/touchpoints", UriKind.Relative);
    private static readonly Uri Batch = new("/api/touchpoints/batch", UriKind.Relative);
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public static async Task PostOneAsync(HttpClient client, byte[] body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, One) { Content = Content(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw await UnexpectedAsync(response, "201 Created", ct);
        }
    }

    public static async Task PostBatchAsync(HttpClient client, byte[] body, int expectedAccepted, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Batch) { Content = Content(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await UnexpectedAsync(response, "200 OK", ct);
        }

        var receipt = await response.Content.ReadAsByteArrayAsync(ct);
        var accepted = Accepted(receipt);
        if (accepted != expectedAccepted)
        {
            throw new HttpRequestException($"batch receipt says accepted={accepted}, expected {expectedAccepted}: {Start(receipt)}");
        }
    }

    /// <summary>As <see cref="PostBatchAsync"/>; returns the store sequence number the receipt gives each accepted item.</summary>
    public static async Task<long[]> PostBatchForSequencesAsync(HttpClient client, byte[] body, int expectedAccepted, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Batch) { Content = Content(body) };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw await UnexpectedAsync(response, "200 OK", ct);
        }

        var receipt = await response.Content.ReadAsByteArrayAsync(ct);
        var sequences = Sequences(receipt);
        if (sequences.Count != expectedAccepted)
        {
            throw new HttpRequestException($"batch receipt holds {sequences.Count} sequence numbers, expected {expectedAccepted}: {Start(receipt)}");
        }

        return [.. sequences];
    }

    /// <summary>Every item's "sequence" (items sit at depth 2: {"items": [ {...} ]}).</summary>
    private static List<long> Sequences(byte[] receipt)
    {
        var sequences = new List<long>(512);
        var reader = new Utf8JsonReader(receipt);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 3 && reader.ValueTextEquals("sequence"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number)
                {
                    sequences.Add(reader.GetInt64());
                }
            }
        }

        return sequences;
    }

    private static ByteArrayContent Content(byte[] body) => new(body) { Headers = { ContentType = Json } };

    /// <summary>The receipt's top-level "accepted" count, read without materialising its 500 items.</summary>
    private static int? Accepted(byte[] receipt)
    {
        var reader = new Utf8JsonReader(receipt);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("accepted"u8))
            {
                reader.Read();
                return reader.GetInt32();
            }
        }

        return null;
    }

    private static async Task<HttpRequestException> UnexpectedAsync(HttpResponseMessage response, string expected, CancellationToken ct)
    {
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        return new HttpRequestException($"{(int)response.StatusCode} instead of {expected}: {Start(body)}", null, response.StatusCode);
    }

    private static string Start(byte[] body) => Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 600)));
}
