using static CustomerLifecycle.Analytics.Models.ParameterValidation;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// BG/NBD parameters (Fader, Hardie &amp; Lee 2005): transaction rates λ ~ Gamma(shape r, rate α) and dropout
/// probabilities p ~ Beta(a, b) across customers. All four must be positive.
/// </summary>
public sealed record BgNbdParameters
{
    public BgNbdParameters(double r, double alpha, double a, double b)
    {
        R = RequirePositive(r, nameof(r));
        Alpha = RequirePositive(alpha, nameof(alpha));
        A = RequirePositive(a, nameof(a));
        B = RequirePositive(b, nameof(b));
    }

    public double R { get; }

    public double Alpha { get; }

    public double A { get; }

    public double B { get; }
}

/// <summary>∂ℓ/∂θ of a BG/NBD log-likelihood with respect to each parameter (not its logarithm).</summary>
public sealed record BgNbdGradient(double R, double Alpha, double A, double B);
