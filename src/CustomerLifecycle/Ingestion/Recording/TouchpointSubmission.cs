using System.Text.Json;

namespace CustomerLifecycle.Ingestion.Recording;

/// <summary>One touchpoint exactly as a client sent it, before any judgement. This is also the OpenAPI shape.</summary>
/// <param name="EventId">Client-chosen id, unique per event forever: the idempotency key.</param>
/// <param name="CustomerId">The customer's id as the posting service knows it; the stream key.</param>
/// <param name="Type">A touchpoint type from docs/events.md, e.g. <c>purchase_completed</c>.</param>
/// <param name="OccurredAt">Business time, ISO 8601 with offset.</param>
/// <param name="SentAt">Optional client send time, used to correct client clock skew.</param>
/// <param name="Source">The posting system, e.g. <c>web-shop</c>.</param>
/// <param name="Data">The type's own fields (docs/events.md).</param>
public sealed record TouchpointSubmission(
    string EventId, string CustomerId, string Type, DateTimeOffset OccurredAt, DateTimeOffset? SentAt, string Source, JsonElement Data);

/// <summary>The batch body: <c>{"touchpoints": [ … ]}</c>.</summary>
public sealed record TouchpointBatchSubmission(IReadOnlyList<TouchpointSubmission> Touchpoints);

/// <summary>A touchpoint that passed every check and is ready to be appended.</summary>
public sealed record ValidTouchpoint(
    string EventId,
    Guid StoreId,
    string Type,
    Touchpoint Event,
    DateTimeOffset ClientOccurredAt,
    DateTimeOffset? SentAt,
    DateTimeOffset ReceivedAt,
    byte[] ContentHash,
    ReadOnlyMemory<byte> Raw,
    int? ItemIndex = null)
{
    public string CustomerId => Event.CustomerId;
}

/// <summary>Why a payload was refused. The codes are stable; docs/api.md lists them.</summary>
public static class RejectionReasons
{
    public const string Validation = "validation";
    public const string MalformedJson = "malformed_json";
    public const string TooLarge = "too_large";
    public const string BatchTooLarge = "batch_too_large";
    public const string Conflict = "conflict";
    public const string UnsupportedMediaType = "unsupported_media_type";
}

/// <summary>A refused item or request, kept in quarantine: whole, or when <c>Whole</c> is given a prefix of a body too large to keep.</summary>
public sealed record Rejection(
    string Reason,
    IReadOnlyDictionary<string, string[]> Errors,
    ReadOnlyMemory<byte> Payload,
    int? ItemIndex = null,
    string? EventId = null,
    string? CustomerId = null,
    string? Type = null,
    RequestOrigin? Origin = null,
    ReceivedBodySummary? Whole = null);

/// <summary>The size and SHA-256 of a whole body when a rejection keeps only a prefix of it.</summary>
public sealed record ReceivedBodySummary(long Bytes, byte[] Sha256);
