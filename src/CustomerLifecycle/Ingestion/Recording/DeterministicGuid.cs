using System.Security.Cryptography;
using System.Text;

namespace CustomerLifecycle.Ingestion.Recording;

/// <summary>
/// RFC 9562 version-5 UUIDs: the store's event id is derived from the client's event id, so the same client
/// event always maps to the same stored id (useful when correlating logs, replays and rebuilds).
/// </summary>
public static class DeterministicGuid
{
    // A fixed namespace of our own (itself a random v4 UUID); changing it would re-key every stored event.
    private static readonly Guid Namespace = new("5b0f2f3e-8f0e-4c38-9d8e-2f6f3b0d7c41");

    public static Guid FromEventId(string eventId)
    {
        Span<byte> ns = stackalloc byte[16];
        Namespace.TryWriteBytes(ns, bigEndian: true, out _);
        var nameLength = Encoding.UTF8.GetByteCount(eventId);
        var input = nameLength <= 512 ? stackalloc byte[16 + nameLength] : new byte[16 + nameLength];
        ns.CopyTo(input);
        Encoding.UTF8.GetBytes(eventId, input[16..]);

        Span<byte> hash = stackalloc byte[20];
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for v5 ids; it is a name hash, not a security boundary.
        SHA1.HashData(input, hash);
#pragma warning restore CA5350
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
