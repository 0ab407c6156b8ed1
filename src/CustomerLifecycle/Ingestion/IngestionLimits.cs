namespace CustomerLifecycle.Ingestion;

/// <summary>
/// The explicit limits of the front door (docs/api.md lists them). Bound from configuration section "Ingestion".
/// </summary>
public sealed class IngestionLimits
{
    public const string Section = "Ingestion";

    /// <summary>One touchpoint's JSON, in bytes (single POST body or one batch item).</summary>
    public int MaxEventBytes { get; set; } = 32 * 1024;

    /// <summary>A batch request body, in bytes.</summary>
    public int MaxBatchBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Items in one batch.</summary>
    public int MaxBatchItems { get; set; } = 5_000;

    /// <summary>How far in the future a (skew-corrected) occurredAt may lie.</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Kestrel's hard ceiling for any request body. Bodies between our limits and this are read whole so that
    /// the rejected payload can be quarantined; bodies above it are refused by the server before we see them.
    /// </summary>
    public long HardRequestBodyCeiling { get; set; } = 32L * 1024 * 1024;

    /// <summary>Earliest plausible business time (CDNOW history starts in 1997; nothing predates the epoch).</summary>
    public static readonly DateTimeOffset EarliestOccurredAt = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
