using System.Buffers;
using System.Security.Cryptography;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// A request body read with bounded memory: the bytes up to <c>keep</c> are kept, the rest is only counted and hashed.
/// </summary>
/// <param name="Kept">The whole body when <see cref="IsWhole"/>, otherwise its first bytes.</param>
/// <param name="TotalBytes">How long the body really was.</param>
/// <param name="Sha256">The SHA-256 of the whole body.</param>
public sealed record ReceivedBody(ReadOnlyMemory<byte> Kept, long TotalBytes, byte[] Sha256)
{
    public bool IsWhole => Kept.Length == TotalBytes;
}

public static class RequestBody
{
    /// <summary>Reads the whole body but keeps at most <paramref name="keep"/> bytes of it, whatever its Content-Length says.</summary>
    public static Task<ReceivedBody> ReadAsync(HttpRequest request, int keep, CancellationToken ct) => ReadAsync(request, keep, null, ct);

    /// <summary>
    /// Reads the whole body but keeps at most <paramref name="keep"/> bytes of it, so a client sending a body over
    /// the limits costs the service the limit, not the body. A body whose Content-Length is already over
    /// <paramref name="keep"/> is refused whatever it holds (too large, or shorter than announced), so of it only the
    /// first <paramref name="prefixWhenOver"/> bytes are kept. Kestrel's MaxRequestBodySize still ends a body past the
    /// hard ceiling (413), and its minimum data rate a body too slow (408).
    /// </summary>
    public static async Task<ReceivedBody> ReadAsync(HttpRequest request, int keep, int? prefixWhenOver, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > keep && prefixWhenOver is { } prefix)
        {
            keep = Math.Min(keep, prefix);
        }

        // Content-Length is the client's claim, not a fact: never pre-allocate more than a modest start on its word.
        var capacity = (int)Math.Min(request.ContentLength ?? 16 * 1024, Math.Min(keep, 1024 * 1024));
        using var kept = new MemoryStream(Math.Max(capacity, 0));
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                hash.AppendData(chunk, 0, read);
                var room = (int)Math.Max(0, Math.Min(read, keep - total));
                if (room > 0)
                {
                    kept.Write(chunk, 0, room);
                }

                total += read;
            }

            return new ReceivedBody(kept.GetBuffer().AsMemory(0, (int)kept.Length), total, hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
