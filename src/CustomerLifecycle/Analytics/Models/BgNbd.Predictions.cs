namespace CustomerLifecycle.Analytics.Models;

public static partial class BgNbd
{
    private const double RemovableSingularityHalfWidth = 1e-4;

    /// <summary>
    /// E[X(t)]: expected repeat transactions in (0, t] for a customer just acquired at time 0, FHL 2005 eq. (7):
    /// (a+b−1)/(a−1) · [1 − (α/(α+t))^r ₂F₁(r, b; a+b−1; t/(α+t))].
    /// </summary>
    public static double ExpectedTransactions(BgNbdParameters parameters, double t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ParameterValidation.RequireNonNegative(t, nameof(t));
        return ExpectedFutureTransactionsIfAlive(parameters, frequency: 0, age: 0, t);
    }

    /// <summary>
    /// E[Y(t) | x, t_x, T]: expected transactions in (T, T + t] for a customer with this history, FHL 2005 eq. (10).
    /// </summary>
    public static double ConditionalExpectedTransactions(BgNbdParameters parameters, CustomerSummary customer, double t)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        ParameterValidation.RequireNonNegative(t, nameof(t));
        return ProbabilityAlive(parameters, customer)
            * ExpectedFutureTransactionsIfAlive(parameters, customer.Frequency, customer.T, t);
    }

    /// <summary>
    /// P(alive | x, t_x, T) = 1 / (1 + δ_{x&gt;0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)), as derived in Fader, Hardie &amp; Lee,
    /// "Computing P(alive) using the BG/NBD model" (2008 note).
    /// Evaluated as a logistic function of the log-odds so that x in the thousands cannot overflow the power.
    /// </summary>
    public static double ProbabilityAlive(BgNbdParameters parameters, CustomerSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        var x = customer.Frequency;
        if (x == 0)
        {
            return 1;
        }

        var logOdds = Math.Log(parameters.A / (parameters.B + x - 1))
            + ((parameters.R + x) * Math.Log((parameters.Alpha + customer.T) / (parameters.Alpha + customer.Recency)));
        return logOdds > 0 ? Math.Exp(-logOdds) / (1 + Math.Exp(-logOdds)) : 1 / (1 + Math.Exp(logOdds));
    }

    /// <summary>
    /// Expected time from T until the next purchase, given the customer is still alive at T.
    /// </summary>
    /// <remarks>
    /// In the BG/NBD a customer can only drop out immediately after a purchase, so a customer alive at T surely
    /// buys again, after an Exp(λ) wait (memoryless, so the time since the last purchase is irrelevant). Given
    /// alive, the posterior of λ is Gamma(r + x, α + T) (FHL 2005 §3: the likelihood is λ^x e^(−λT)), hence
    /// E[wait | alive] = E[1/λ] = (α + T)/(r + x − 1). This mean exists only for r + x &gt; 1 — for smaller shape
    /// the posterior puts so much mass near λ = 0 that the expected wait is infinite — and null is returned.
    /// Multiply by nothing else: the probability of being alive is a separate question (<see cref="ProbabilityAlive"/>).
    /// </remarks>
    public static double? ExpectedTimeToNextPurchase(BgNbdParameters parameters, CustomerSummary customer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        customer.Validate();
        var shape = parameters.R + customer.Frequency;
        return shape > 1 ? (parameters.Alpha + customer.T) / (shape - 1) : null;
    }

    /// <summary>
    /// The numerator of FHL eq. (10): (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)],
    /// z = t/(α+T+t); with x = T = 0 it is eq. (7). a = 1 is a removable singularity (0/0); within 1e-6 of it the
    /// value is interpolated linearly between a = 1 ± 1e-4, which is accurate to ~1e-8 relative.
    /// </summary>
    internal static double ExpectedFutureTransactionsIfAlive(BgNbdParameters parameters, int frequency, double age, double t)
    {
        var a = parameters.A;
        if (Math.Abs(a - 1) >= 1e-6)
        {
            return ExpectedFutureTransactionsIfAlive(parameters.R, parameters.Alpha, a, parameters.B, frequency, age, t);
        }

        const double below = 1 - RemovableSingularityHalfWidth;
        const double above = 1 + RemovableSingularityHalfWidth;
        var low = ExpectedFutureTransactionsIfAlive(parameters.R, parameters.Alpha, below, parameters.B, frequency, age, t);
        var high = ExpectedFutureTransactionsIfAlive(parameters.R, parameters.Alpha, above, parameters.B, frequency, age, t);
        return low + ((high - low) * (a - below) / (above - below));
    }

    /// <remarks>
    /// ((α+T)/(α+T+t))^(r+x) = (1 − z)^(r+x) underflows and ₂F₁ overflows for large x and long horizons, but their
    /// product lies in (0, 1], so it is formed in log space from the sign/log form of ₂F₁.
    /// </remarks>
    private static double ExpectedFutureTransactionsIfAlive(
        double r, double alpha, double a, double b, int x, double age, double t)
    {
        if (t == 0)
        {
            return 0;
        }

        var shiftedAge = alpha + age;
        var z = t / (shiftedAge + t);
        var hypergeometric = Hypergeometric.Estimate(r + x, b + x, a + b + x - 1, z);
        var logOneMinusZ = Math.Log(shiftedAge / (shiftedAge + t));
        var product = hypergeometric.Value.Multiply(SignedLog.FromLog((r + x) * logOneMinusZ)).ToDouble();
        return (a + b + x - 1) / (a - 1) * (1 - product);
    }
}
