using System.Security.Cryptography;
using CustomerLifecycle.Infrastructure.Http;
using Microsoft.AspNetCore.Http;

namespace CustomerLifecycle.Tests.Infrastructure.Http;

/// <summary>A request body costs the service its limit, not its size: what is kept, counted and hashed.</summary>
public class RequestBodyTests
{
    private static readonly byte[] Body = RandomNumberGenerator.GetBytes(300_000);

    [Fact]
    public async Task A_body_within_the_limit_is_kept_whole()
    {
        var received = await RequestBody.ReadAsync(Request(Body, announced: Body.Length), 400_000, 1_000, CancellationToken.None);

        Assert.Equal((true, Body.Length, Convert.ToHexString(SHA256.HashData(Body))), (received.IsWhole, (int)received.TotalBytes, Convert.ToHexString(received.Sha256)));
        Assert.Equal(Body, received.Kept.ToArray());
    }

    [Fact]
    public async Task A_body_announced_over_the_limit_keeps_only_the_prefix_but_counts_and_hashes_it_all()
    {
        var received = await RequestBody.ReadAsync(Request(Body, announced: Body.Length), 100_000, 1_000, CancellationToken.None);

        Assert.Equal((Body.Length, Convert.ToHexString(SHA256.HashData(Body))), ((int)received.TotalBytes, Convert.ToHexString(received.Sha256)));
        Assert.Equal(Body.AsSpan(0, 1_000).ToArray(), received.Kept.ToArray());
    }

    [Fact]
    public async Task A_body_without_a_length_over_the_limit_keeps_the_limit()
    {
        var received = await RequestBody.ReadAsync(Request(Body, announced: null), 100_000, 1_000, CancellationToken.None);

        Assert.Equal((Body.Length, Convert.ToHexString(SHA256.HashData(Body))), ((int)received.TotalBytes, Convert.ToHexString(received.Sha256)));
        Assert.Equal(Body.AsSpan(0, 100_000).ToArray(), received.Kept.ToArray());
    }

    [Fact]
    public async Task A_body_that_arrives_in_odd_pieces_is_kept_byte_for_byte()
    {
        var received = await RequestBody.ReadAsync(Request(Body, announced: null, piece: 1_000), 250_001, 1_000, CancellationToken.None);

        Assert.Equal((Body.Length, Convert.ToHexString(SHA256.HashData(Body))), ((int)received.TotalBytes, Convert.ToHexString(received.Sha256)));
        Assert.Equal(Body.AsSpan(0, 250_001).ToArray(), received.Kept.ToArray());
    }

    private static HttpRequest Request(byte[] body, long? announced, int piece = int.MaxValue)
    {
        var http = new DefaultHttpContext();
        http.Request.Body = new PieceByPiece(body, piece);
        http.Request.ContentLength = announced;
        return http.Request;
    }

    /// <summary>A body that arrives at most <paramref name="piece"/> bytes per read, as from a slow network.</summary>
    private sealed class PieceByPiece(byte[] body, int piece) : MemoryStream(body)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, piece)], cancellationToken);
    }
}
