namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// A fitted model of repeat purchases in a noncontractual setting (BG/NBD, MBG/NBD or Pareto/NBD): what a snapshot
/// needs from whichever of them it uses. Closed: the three members below are the whole family.
/// </summary>
public abstract record PurchaseModel
{
    private protected PurchaseModel()
    {
    }

    /// <summary>The model's name in the API: <c>bgnbd</c>, <c>mbgnbd</c> or <c>paretonbd</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The fitted parameters by their names in the model's paper.</summary>
    public abstract IReadOnlyList<(string Name, double Value)> Parameters { get; }

    /// <summary>E[Y(t) | x, t_x, T]: repeat purchases expected over the next t time units.</summary>
    public abstract double ConditionalExpectedTransactions(CustomerSummary customer, double t);

    /// <summary>P(alive | x, t_x, T). BG/NBD's is 1 for every one-time buyer.</summary>
    public abstract double ProbabilityAlive(CustomerSummary customer);

    /// <summary>
    /// The mean wait for the next purchase given the customer is still buying, (α + T)/(r + x − 1): the three models
    /// share the posterior purchase rate Gamma(r + x, α + T) of a live customer. Null when r + x ≤ 1 (no finite mean).
    /// </summary>
    public double? ExpectedTimeToNextPurchase(CustomerSummary customer)
    {
        var (r, alpha) = (Parameters[0].Value, Parameters[1].Value);
        var shape = r + customer.Frequency - 1;
        return shape > 0 ? (alpha + customer.T) / shape : null;
    }
}

public sealed record BgNbdPurchases(BgNbdParameters Fitted) : PurchaseModel
{
    public override string Name => PurchaseModelNames.BgNbd;

    public override IReadOnlyList<(string Name, double Value)> Parameters =>
        [("r", Fitted.R), ("alpha", Fitted.Alpha), ("a", Fitted.A), ("b", Fitted.B)];

    public override double ConditionalExpectedTransactions(CustomerSummary customer, double t) => BgNbd.ConditionalExpectedTransactions(Fitted, customer, t);

    public override double ProbabilityAlive(CustomerSummary customer) => BgNbd.ProbabilityAlive(Fitted, customer);
}

public sealed record MbgNbdPurchases(MbgNbdParameters Fitted) : PurchaseModel
{
    public override string Name => PurchaseModelNames.MbgNbd;

    public override IReadOnlyList<(string Name, double Value)> Parameters =>
        [("r", Fitted.R), ("alpha", Fitted.Alpha), ("a", Fitted.A), ("b", Fitted.B)];

    public override double ConditionalExpectedTransactions(CustomerSummary customer, double t) => MbgNbd.ConditionalExpectedTransactions(Fitted, customer, t);

    public override double ProbabilityAlive(CustomerSummary customer) => MbgNbd.ProbabilityAlive(Fitted, customer);
}

public sealed record ParetoNbdPurchases(ParetoNbdParameters Fitted) : PurchaseModel
{
    public override string Name => PurchaseModelNames.ParetoNbd;

    public override IReadOnlyList<(string Name, double Value)> Parameters =>
        [("r", Fitted.R), ("alpha", Fitted.Alpha), ("s", Fitted.S), ("beta", Fitted.Beta)];

    public override double ConditionalExpectedTransactions(CustomerSummary customer, double t) => ParetoNbd.ConditionalExpectedTransactions(Fitted, customer, t);

    public override double ProbabilityAlive(CustomerSummary customer) => ParetoNbd.ProbabilityAlive(Fitted, customer);
}

/// <summary>The names a fit request and a snapshot use for the purchase models.</summary>
public static class PurchaseModelNames
{
    public const string BgNbd = "bgnbd";
    public const string MbgNbd = "mbgnbd";
    public const string ParetoNbd = "paretonbd";

    /// <summary>Not a model: fit every candidate and keep the one that predicts the holdout best.</summary>
    public const string Best = "best";

    public static readonly IReadOnlyList<string> Models = [BgNbd, MbgNbd, ParetoNbd];

    public static readonly IReadOnlyList<string> Requestable = [BgNbd, MbgNbd, ParetoNbd, Best];
}
