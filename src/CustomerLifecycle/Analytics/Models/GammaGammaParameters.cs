using static CustomerLifecycle.Analytics.Models.ParameterValidation;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Gamma-Gamma spend parameters (Fader, Hardie &amp; Lee 2005, "RFM and CLV", Marketing Science 24(2) §4):
/// each transaction value is Gamma(p, ν) around the customer's mean p/ν, and ν ~ Gamma(q, γ) across customers.
/// </summary>
public sealed record GammaGammaParameters
{
    public GammaGammaParameters(double p, double q, double gamma)
    {
        P = RequirePositive(p, nameof(p));
        Q = RequirePositive(q, nameof(q));
        Gamma = RequirePositive(gamma, nameof(gamma));
    }

    public double P { get; }

    public double Q { get; }

    public double Gamma { get; }
}

/// <summary>One customer's spend evidence: x repeat transactions whose values average <paramref name="MeanValue"/>.</summary>
public readonly record struct SpendObservation(int Frequency, double MeanValue)
{
    /// <summary>Throws unless x ≥ 1 and m̄ &gt; 0: the spend model is defined on customers with repeat purchases.</summary>
    public void Validate()
    {
        if (Frequency < 1 || !double.IsFinite(MeanValue) || MeanValue <= 0)
        {
            throw new ArgumentException(FormattableString.Invariant(
                $"Invalid spend observation x={Frequency}, m̄={MeanValue}: need x ≥ 1 and a positive finite mean value."));
        }
    }
}
