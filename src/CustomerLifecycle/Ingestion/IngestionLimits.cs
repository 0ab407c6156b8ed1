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

    /// <summary>Single touchpoints waiting for a shared commit; beyond this a POST gets 429 with Retry-After.</summary>
    public int MaxQueuedEvents { get; set; } = 10_000;

    /// <summary>
    /// How much of a refused body the quarantine keeps when the body is over its limit (413): this prefix, with the
    /// body's total size and SHA-256. Bodies within the limits are kept whole.
    /// </summary>
    public int QuarantinePrefixBytes { get; set; } = 64 * 1024;

    /// <summary>Kestrel's minimum request body data rate, in bytes per second; a slower body gets 408.</summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>How long a body may stay below the minimum data rate before it gets 408 (more than 1 s).</summary>
    public TimeSpan RequestBodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the request line and headers may take to arrive; beyond it Kestrel answers 408.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Every problem with these settings, each naming the setting (checked at start).</summary>
    public IEnumerable<string> Problems()
    {
        if (MaxEventBytes < 256)
        {
            yield return $"{Section}:{nameof(MaxEventBytes)} must be at least 256 (got {MaxEventBytes})";
        }

        if (MaxBatchBytes < MaxEventBytes)
        {
            yield return $"{Section}:{nameof(MaxBatchBytes)} must be at least {Section}:{nameof(MaxEventBytes)} (got {MaxBatchBytes} < {MaxEventBytes})";
        }

        if (MaxBatchItems < 1)
        {
            yield return $"{Section}:{nameof(MaxBatchItems)} must be at least 1 (got {MaxBatchItems})";
        }

        if (MaxFutureSkew < TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(MaxFutureSkew)} must not be negative (got {MaxFutureSkew})";
        }

        if (HardRequestBodyCeiling < MaxBatchBytes)
        {
            yield return $"{Section}:{nameof(HardRequestBodyCeiling)} must be at least {Section}:{nameof(MaxBatchBytes)} (got {HardRequestBodyCeiling} < {MaxBatchBytes})";
        }

        if (MaxQueuedEvents < 1)
        {
            yield return $"{Section}:{nameof(MaxQueuedEvents)} must be at least 1 (got {MaxQueuedEvents})";
        }

        if (QuarantinePrefixBytes is < 0 or > 16 * 1024 * 1024)
        {
            yield return $"{Section}:{nameof(QuarantinePrefixBytes)} must be between 0 and 16777216 (got {QuarantinePrefixBytes})";
        }

        if (MinRequestBodyBytesPerSecond <= 0 || double.IsNaN(MinRequestBodyBytesPerSecond))
        {
            yield return $"{Section}:{nameof(MinRequestBodyBytesPerSecond)} must be positive (got {MinRequestBodyBytesPerSecond})";
        }

        if (RequestBodyGracePeriod <= TimeSpan.FromSeconds(1))
        {
            yield return $"{Section}:{nameof(RequestBodyGracePeriod)} must be more than 1 second, Kestrel's heartbeat (got {RequestBodyGracePeriod})";
        }

        if (RequestHeadersTimeout <= TimeSpan.Zero)
        {
            yield return $"{Section}:{nameof(RequestHeadersTimeout)} must be positive (got {RequestHeadersTimeout})";
        }
    }

    /// <summary>Earliest plausible business time (CDNOW history starts in 1997; nothing predates the epoch).</summary>
    public static readonly DateTimeOffset EarliestOccurredAt = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
