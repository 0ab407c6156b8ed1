using static CustomerLifecycle.Analytics.Models.ParameterValidation;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Pareto/NBD parameters (Schmittlein, Morrison &amp; Colombo 1987): transaction rates λ ~ Gamma(shape r, rate α)
/// and dropout rates μ ~ Gamma(shape s, rate β). All four must be positive.
/// </summary>
public sealed record ParetoNbdParameters
{
    public ParetoNbdParameters(double r, double alpha, double s, double beta)
    {
        R = RequirePositive(r, nameof(r));
        Alpha = RequirePositive(alpha, nameof(alpha));
        S = RequirePositive(s, nameof(s));
        Beta = RequirePositive(beta, nameof(beta));
    }

    public double R { get; }

    public double Alpha { get; }

    public double S { get; }

    public double Beta { get; }
}
