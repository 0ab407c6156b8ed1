namespace CustomerLifecycle.Infrastructure.Http;

public static class RequestBody
{
    /// <summary>
    /// Reads the whole body. Kestrel's MaxRequestBodySize bounds it (413 beyond that), so a rejected-but-readable
    /// payload can still be kept whole in quarantine.
    /// </summary>
    public static async Task<ReadOnlyMemory<byte>> ReadAllAsync(HttpRequest request, CancellationToken ct)
    {
        // Content-Length is the client's claim, not a fact: never pre-allocate more than a modest start on its word.
        var capacity = request.ContentLength is { } length ? (int)Math.Min(length, 1024 * 1024) : 16 * 1024;
        using var buffer = new MemoryStream(capacity);
        await request.Body.CopyToAsync(buffer, ct);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }
}
