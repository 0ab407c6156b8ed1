namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// A value of 2F1 together with its condition number: Σ|contributions| / |value| (1 when nothing cancels).
/// The relative rounding error of the value is about 1e-16 × Condition, which lets the evaluator pick,
/// among mathematically equivalent formulas, the one that actually lost the fewest digits.
/// </summary>
internal readonly record struct HypergeometricEstimate(SignedLog Value, double Condition)
{
    public static HypergeometricEstimate NotConverged { get; } = new(SignedLog.Undefined, double.PositiveInfinity);

    public bool Converged => !Value.IsUndefined;

    public static HypergeometricEstimate Exact(SignedLog value) => new(value, 1);

    public HypergeometricEstimate Scale(SignedLog factor) => this with { Value = Value.Multiply(factor) };

    /// <summary>Sum of terms, propagating each term's own conditioning.</summary>
    public static HypergeometricEstimate Sum(HypergeometricEstimate first, HypergeometricEstimate second)
    {
        if (!first.Converged || !second.Converged)
        {
            return NotConverged;
        }

        var value = first.Value.Add(second.Value);
        var spread = (first.Value.Magnitude * first.Condition) + (second.Value.Magnitude * second.Condition);
        var magnitude = value.Magnitude;
        return new HypergeometricEstimate(value, spread == 0 ? 1 : magnitude == 0 ? double.PositiveInfinity : spread / magnitude);
    }

    /// <summary>The converged estimate with the smaller condition number.</summary>
    public static HypergeometricEstimate Better(HypergeometricEstimate first, HypergeometricEstimate second) =>
        !second.Converged ? first
        : !first.Converged ? second
        : second.Condition < first.Condition ? second : first;
}
