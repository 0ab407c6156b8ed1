namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// A real number held as <c>Sign · exp(Log)</c>. The hypergeometric connection formulas multiply gamma
/// ratios such as Γ(c)/Γ(c−a) by powers like (1 − z)^(c−a−b); each factor alone can overflow a double
/// (x in the hundreds gives e^±1000) although the product is moderate, so they are combined in log space.
/// </summary>
internal readonly record struct SignedLog(double Log, int Sign)
{
    public static SignedLog Zero { get; } = new(double.NegativeInfinity, 0);

    public static SignedLog One { get; } = new(0, 1);

    /// <summary>Marks a result that could not be computed (a series that did not settle).</summary>
    public static SignedLog Undefined { get; } = new(double.NaN, 0);

    public bool IsUndefined => double.IsNaN(Log);

    public static SignedLog FromDouble(double value) =>
        value == 0 ? Zero : new SignedLog(Math.Log(Math.Abs(value)), Math.Sign(value));

    /// <summary>The positive number e^logValue.</summary>
    public static SignedLog FromLog(double logValue) => new(logValue, 1);

    public double ToDouble() => Sign == 0 ? 0 : Sign * Math.Exp(Log);

    public double Magnitude => Sign == 0 ? 0 : Math.Exp(Log);

    public SignedLog Negate() => this with { Sign = -Sign };

    public SignedLog Multiply(SignedLog other) =>
        IsUndefined || other.IsUndefined ? Undefined
        : Sign == 0 || other.Sign == 0 ? Zero
        : new SignedLog(Log + other.Log, Sign * other.Sign);

    public SignedLog Add(SignedLog other)
    {
        if (IsUndefined || other.IsUndefined)
        {
            return Undefined;
        }

        if (other.Sign == 0)
        {
            return this;
        }

        if (Sign == 0)
        {
            return other;
        }

        var (large, small) = Log >= other.Log ? (this, other) : (other, this);
        var ratio = small.Sign * large.Sign * Math.Exp(small.Log - large.Log);
        var factor = 1 + ratio;
        return factor == 0
            ? Zero
            : new SignedLog(large.Log + NumericFunctions.Log1P(ratio), large.Sign * Math.Sign(factor));
    }
}
