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
    private const int SegmentBytes = 64 * 1024;

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

        // Content-Length is the client's claim, not a fact: what is held while reading grows with the bytes that came,
        // in pooled segments, and the kept body is then copied once into an array of its exact size (a 5 MiB body
        // costs one 5 MiB array, not a doubling stream's 15 MiB of large-object-heap garbage).
        var segments = new List<byte[]>();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = ArrayPool<byte>.Shared.Rent(SegmentBytes);
        try
        {
            long total = 0;
            var keptBytes = 0;
            int read;
            while ((read = await request.Body.ReadAsync(chunk.AsMemory(0, SegmentBytes), ct)) > 0)
            {
                hash.AppendData(chunk, 0, read);
                var room = (int)Math.Max(0, Math.Min(read, keep - total));
                for (var copied = 0; copied < room;)
                {
                    var at = keptBytes % SegmentBytes;
                    if (at == 0)
                    {
                        segments.Add(ArrayPool<byte>.Shared.Rent(SegmentBytes));
                    }

                    var count = Math.Min(room - copied, SegmentBytes - at);
                    Buffer.BlockCopy(chunk, copied, segments[^1], at, count);
                    (copied, keptBytes) = (copied + count, keptBytes + count);
                }

                total += read;
            }

            var kept = GC.AllocateUninitializedArray<byte>(keptBytes);
            for (var i = 0; i < segments.Count; i++)
            {
                var offset = i * SegmentBytes;
                Buffer.BlockCopy(segments[i], 0, kept, offset, Math.Min(SegmentBytes, keptBytes - offset));
            }

            return new ReceivedBody(kept, total, hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
            foreach (var segment in segments)
            {
                ArrayPool<byte>.Shared.Return(segment);
            }
        }
    }
}
