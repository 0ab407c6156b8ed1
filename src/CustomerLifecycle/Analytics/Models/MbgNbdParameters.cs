using static CustomerLifecycle.Analytics.Models.ParameterValidation;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// MBG/NBD parameters (Batislam, Denizel &amp; Filiztekin 2007): transaction rates λ ~ Gamma(shape r, rate α) and
/// dropout probabilities p ~ Beta(a, b). All four must be positive.
/// </summary>
public sealed record MbgNbdParameters
{
    public MbgNbdParameters(double r, double alpha, double a, double b)
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
