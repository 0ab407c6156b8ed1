namespace CustomerLifecycle.Analytics.Models;

/// <summary>How well a purchase model predicted each customer's repeat purchases over a holdout.</summary>
/// <param name="Customers">Customers scored.</param>
/// <param name="MeanAbsoluteError">Mean over customers of |E[Y(t) | x, t_x, T] − actual repeat purchases in the holdout|: the choice criterion, lower is better.</param>
/// <param name="TotalPredicted">Σ E[Y(t)]: repeat purchases the model expected in the holdout.</param>
/// <param name="TotalActual">Repeat purchases made in the holdout.</param>
/// <param name="Auc">How well E[Y(t)] ranks who bought in the holdout above who did not (0.5 = chance); NaN when everybody or nobody bought.</param>
public sealed record PurchaseModelHoldoutScore(int Customers, double MeanAbsoluteError, double TotalPredicted, int TotalActual, double Auc);

/// <summary>Scores purchase models on a holdout; pure.</summary>
public static class PurchaseModelHoldout
{
    /// <param name="actualHoldoutTransactions">Repeat purchase days per customer after calibration; a customer missing from it made none.</param>
    /// <param name="holdoutLength">The holdout's length in the model's time unit.</param>
    public static PurchaseModelHoldoutScore Score(
        PurchaseModel model, IReadOnlyList<CustomerPurchaseSummary> calibration, IReadOnlyDictionary<string, int> actualHoldoutTransactions, double holdoutLength)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(actualHoldoutTransactions);
        if (calibration.Count == 0)
        {
            throw new ArgumentException("At least one customer is needed to score a model on a holdout.", nameof(calibration));
        }

        var predicted = new double[calibration.Count];
        var bought = new bool[calibration.Count];
        double absoluteError = 0, totalPredicted = 0;
        long totalActual = 0;
        for (var i = 0; i < calibration.Count; i++)
        {
            var customer = calibration[i];
            var actual = actualHoldoutTransactions.GetValueOrDefault(customer.CustomerId);
            predicted[i] = model.ConditionalExpectedTransactions(customer.Summary, holdoutLength);
            bought[i] = actual > 0;
            absoluteError += Math.Abs(predicted[i] - actual);
            totalPredicted += predicted[i];
            totalActual += actual;
        }

        return new PurchaseModelHoldoutScore(
            calibration.Count, absoluteError / calibration.Count, totalPredicted, (int)totalActual, ChurnValidation.Auc(predicted, bought));
    }
}
