namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// The sufficient statistics of one customer for the BG/NBD model (Fader, Hardie &amp; Lee 2005, §3).
/// </summary>
/// <param name="Frequency">x: number of repeat transactions in the calibration period.</param>
/// <param name="Recency">t_x: time from the first to the last transaction (0 when x = 0).</param>
/// <param name="T">T: time from the first transaction to the end of the calibration period.</param>
public readonly record struct CustomerSummary(int Frequency, double Recency, double T)
{
    /// <summary>Throws unless 0 ≤ t_x ≤ T, x ≥ 0, and t_x = 0 when x = 0 (the model's support).</summary>
    public void Validate()
    {
        if (Frequency < 0 || !double.IsFinite(Recency) || !double.IsFinite(T) || Recency < 0 || Recency > T
            || (Frequency == 0 && Recency != 0))
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"Invalid customer summary x={Frequency}, t_x={Recency}, T={T}: need x ≥ 0, 0 ≤ t_x ≤ T, and t_x = 0 when x = 0."));
        }
    }
}
