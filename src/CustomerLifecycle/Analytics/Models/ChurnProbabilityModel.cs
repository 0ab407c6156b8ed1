using MathNet.Numerics.LinearAlgebra;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>What moved one customer's churn log-odds away from the average customer's.</summary>
/// <param name="Signal">model_dropout, weeks_since_last_purchase, repeat_purchases or customer_age.</param>
/// <param name="LogOdds">The signal's share of the log-odds; with <see cref="ChurnPrediction.BaselineLogOdds"/> the shares add up to the score.</param>
public sealed record ChurnContribution(string Signal, double LogOdds);

/// <summary>A customer's probability of making no purchase over the model's horizon, and why.</summary>
public sealed record ChurnPrediction(double Probability, double BaselineLogOdds, IReadOnlyList<ChurnContribution> Contributions);

/// <summary>
/// Churn risk as a calibrated probability of no purchase over a stated horizon. The MBG/NBD model (whose dropout
/// covers one-time buyers) gives each customer a probability of no purchase; a logistic regression then combines its
/// log-odds with weeks since the last purchase, repeat purchases and customer age, weighting them as the store's own
/// history says. The regression is learned inside the calibration period only: the period is cut short by an inner
/// horizon, MBG/NBD is fitted on the shortened period, and the labels are who bought nothing in the cut-off weeks.
/// The holdout stays unseen, so <see cref="ChurnValidation"/> on it is an honest test.
/// </summary>
/// <param name="Dropout">MBG/NBD fitted on the whole calibration period.</param>
/// <param name="HorizonWeeks">The horizon the probability speaks about.</param>
/// <param name="Coefficients">Intercept, then one coefficient per signal in <see cref="Signals"/> order.</param>
/// <param name="SignalMeans">Each signal's mean over the training customers (the "average customer" of the contributions).</param>
public sealed record ChurnProbabilityModel(
    MbgNbdParameters Dropout, double HorizonWeeks, IReadOnlyList<double> Coefficients, IReadOnlyList<double> SignalMeans)
{
    public static IReadOnlyList<string> Signals { get; } = ["model_dropout", "weeks_since_last_purchase", "repeat_purchases", "customer_age", "repeat_spend", "share_of_life_silent"];

    /// <summary>Learns the model from a transaction log's calibration period (see the type's summary).</summary>
    /// <exception cref="ArgumentException">The calibration period is too short to hold back an inner horizon, or nobody bought in it.</exception>
    public static ChurnProbabilityModel Train(IReadOnlyList<Transaction> transactions, SummaryPeriod period, double horizonWeeks)
    {
        ArgumentNullException.ThrowIfNull(transactions);
        ArgumentNullException.ThrowIfNull(period);
        var inner = InnerPeriod(period, horizonWeeks)
            ?? throw new ArgumentException("The calibration period must be at least three weeks long to learn a churn risk from it.", nameof(period));
        var innerCustomers = PurchaseSummary.Build(transactions, inner);
        var innerHoldout = PurchaseSummary.CountHoldoutTransactions(transactions, inner, period.CalibrationEnd);
        var customers = PurchaseSummary.Build(transactions, period);
        return Train(innerCustomers, innerHoldout, inner, customers, period, horizonWeeks);
    }

    /// <summary>
    /// The shortened period the regression learns on: the calibration period cut short by the horizon, but by at most
    /// a third of it; null when that leaves less than a week to learn from.
    /// </summary>
    public static SummaryPeriod? InnerPeriod(SummaryPeriod period, double horizonWeeks)
    {
        ArgumentNullException.ThrowIfNull(period);
        ParameterValidation.RequirePositive(horizonWeeks, nameof(horizonWeeks));
        var calibrationDays = period.CalibrationEnd.DayNumber - period.ObservationStart.DayNumber;
        var innerDays = (int)Math.Min(horizonWeeks * period.DaysPerTimeUnit, calibrationDays / 3.0);
        return innerDays < 7 ? null : period with { CalibrationEnd = period.CalibrationEnd.AddDays(-innerDays) };
    }

    /// <summary>
    /// Learns the model from summaries already built: the customers of the inner period with their purchase days in the
    /// cut-off weeks (customers without any may be absent), and the customers of the whole calibration period.
    /// </summary>
    /// <param name="dropout">MBG/NBD already fitted on <paramref name="customers"/>; fitted here when null.</param>
    /// <exception cref="ArgumentException">Nobody bought before the inner calibration end, or everybody (or nobody) bought in the cut-off weeks.</exception>
    public static ChurnProbabilityModel Train(
        IReadOnlyList<CustomerPurchaseSummary> innerCustomers, IReadOnlyDictionary<string, int> innerHoldout, SummaryPeriod inner,
        IReadOnlyList<CustomerPurchaseSummary> customers, SummaryPeriod period, double horizonWeeks, MbgNbdParameters? dropout = null)
    {
        ArgumentNullException.ThrowIfNull(innerCustomers);
        ArgumentNullException.ThrowIfNull(innerHoldout);
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(customers);
        ArgumentNullException.ThrowIfNull(period);
        if (innerCustomers.Count == 0)
        {
            throw new ArgumentException("No customer bought before the inner calibration end.", nameof(innerCustomers));
        }

        var labels = innerCustomers.Select(c => innerHoldout.GetValueOrDefault(c.CustomerId) == 0).ToArray();
        if (labels.All(l => l) || labels.All(l => !l))
        {
            throw new ArgumentException("Everybody or nobody bought in the cut-off weeks: there is nothing to learn the signals' weights from.", nameof(innerHoldout));
        }

        var innerDropout = MbgNbd.Fit(innerCustomers.Select(c => c.Summary).ToArray()).Parameters;
        var innerHorizon = period.Between(inner.CalibrationEnd, period.CalibrationEnd);
        var features = innerCustomers.Select(c => SignalValues(innerDropout, c, innerHorizon)).ToArray();
        var coefficients = LogisticRegression(features, labels);
        var means = Enumerable.Range(0, Signals.Count).Select(j => features.Average(f => f[j])).ToArray();
        dropout ??= MbgNbd.Fit(customers.Select(c => c.Summary).ToArray()).Parameters;
        return Calibrated(dropout, horizonWeeks, coefficients, means, customers);
    }

    /// <summary>
    /// The fallback when there is too little history to learn the signals' weights: MBG/NBD's own probability of no
    /// purchase over the horizon, with the model term as the only signal.
    /// </summary>
    public static ChurnProbabilityModel DropoutOnly(MbgNbdParameters dropout, double horizonWeeks)
    {
        ArgumentNullException.ThrowIfNull(dropout);
        var coefficients = new double[Signals.Count + 1];
        coefficients[1] = 1;
        return new ChurnProbabilityModel(dropout, horizonWeeks, coefficients, new double[Signals.Count]);
    }

    private static ChurnProbabilityModel Calibrated(
        MbgNbdParameters dropout, double horizonWeeks, double[] coefficients, double[] means, IReadOnlyList<CustomerPurchaseSummary> customers)
    {
        var logOdds = customers.Select(c => LinearPredictor(coefficients, SignalValues(dropout, c, horizonWeeks))).ToArray();
        var expectedQuiet = customers.Average(c => MbgNbd.ProbabilityOfNoPurchase(dropout, c.Summary, horizonWeeks));
        coefficients[0] += InterceptShift(logOdds, expectedQuiet);
        return new ChurnProbabilityModel(dropout, horizonWeeks, coefficients, means);
    }

    /// <summary>
    /// The regression learns the inner horizon's base rate; over a longer horizon more customers stay quiet. The
    /// intercept is moved so that the mean predicted probability equals MBG/NBD's expected share of customers without
    /// a purchase over the stated horizon, which keeps the ranking and makes the level speak about that horizon.
    /// </summary>
    private static double InterceptShift(double[] logOdds, double targetMean)
    {
        double low = -20, high = 20;
        for (var i = 0; i < 100; i++)
        {
            var middle = (low + high) / 2;
            if (logOdds.Average(eta => MbgNbd.Logistic(eta + middle)) < targetMean)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return (low + high) / 2;
    }

    private static double LinearPredictor(double[] coefficients, double[] values) =>
        coefficients[0] + values.Select((v, j) => coefficients[j + 1] * v).Sum();

    public ChurnPrediction Predict(CustomerPurchaseSummary customer)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var values = SignalValues(Dropout, customer, HorizonWeeks);
        var baseline = Coefficients[0];
        var contributions = new List<ChurnContribution>(Signals.Count);
        for (var j = 0; j < Signals.Count; j++)
        {
            baseline += Coefficients[j + 1] * SignalMeans[j];
            contributions.Add(new ChurnContribution(Signals[j], Coefficients[j + 1] * (values[j] - SignalMeans[j])));
        }

        var logOdds = baseline + contributions.Sum(c => c.LogOdds);
        return new ChurnPrediction(MbgNbd.Logistic(logOdds), baseline, contributions);
    }

    private static double[] SignalValues(MbgNbdParameters dropout, CustomerPurchaseSummary customer, double horizon)
    {
        var quiet = Math.Clamp(MbgNbd.ProbabilityOfNoPurchase(dropout, customer.Summary, horizon), 1e-9, 1 - 1e-9);
        return
        [
            Math.Log(quiet / (1 - quiet)),
            Math.Log(1 + customer.T - customer.Recency),
            Math.Log(1 + customer.Frequency),
            Math.Log(1 + customer.T),
            Math.Log(1 + customer.MonetaryValue),
            customer.T > 0 ? (customer.T - customer.Recency) / customer.T : 1,
        ];
    }

    /// <summary>Maximum-likelihood logistic regression by iteratively reweighted least squares (a 1e-6 ridge keeps it solvable).</summary>
    private static double[] LogisticRegression(double[][] features, bool[] labels)
    {
        var n = features.Length;
        var k = features[0].Length + 1;
        var x = Matrix<double>.Build.Dense(n, k, (i, j) => j == 0 ? 1 : features[i][j - 1]);
        var beta = Vector<double>.Build.Dense(k);
        for (var iteration = 0; iteration < 50; iteration++)
        {
            var eta = x * beta;
            var p = eta.Map(MbgNbd.Logistic);
            var w = p.Map(v => Math.Max(v * (1 - v), 1e-12));
            var gradient = x.TransposeThisAndMultiply(Vector<double>.Build.Dense(n, i => (labels[i] ? 1 : 0) - p[i]));
            var information = x.TransposeThisAndMultiply(x.PointwiseMultiply(Matrix<double>.Build.Dense(n, k, (i, _) => w[i])))
                + (Matrix<double>.Build.DenseIdentity(k) * 1e-6);
            var step = information.Solve(gradient - (beta * 1e-6));
            beta += step;
            if (step.AbsoluteMaximum() < 1e-10)
            {
                break;
            }
        }

        return [.. beta];
    }
}
