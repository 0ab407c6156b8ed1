using System.Diagnostics;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Tests.Analytics.Models;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Analytics.Clv;

/// <summary>
/// A snapshot learns its churn model from summaries gathered one customer at a time; the figures in docs/analytics.md
/// come from the whole transaction log at once. On CDNOW master the two must be the same model.
/// </summary>
public class ChurnModelInputsTests(ITestOutputHelper output)
{
    [Fact]
    public void The_snapshots_inputs_learn_the_same_churn_model_as_the_whole_log_on_cdnow_master()
    {
        var log = CdnowData.Read("CDNOW_master.txt");
        var settings = new ClvFitSettings(
            "USD", null, null, CdnowData.Calibration.ObservationStart, CdnowData.Calibration.CalibrationEnd, CdnowData.HoldoutEnd,
            12, 52.0 / 12, 0.01, 1, new ChurnSignalWeights());
        var inputs = new ClvFitInputs(settings, new DateTimeOffset(CdnowData.HoldoutEnd.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero));
        foreach (var customer in log.Select((t, i) => (t, i)).GroupBy(p => p.t.CustomerId).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            inputs.Add([.. customer.Select(p => new PaymentRecord(
                p.t.CustomerId, PaymentKind.Purchase, $"o{p.i}", (decimal)p.t.Dollars, new DateTimeOffset(p.t.Date, new TimeOnly(12, 0), TimeSpan.Zero)))]);
        }

        var watch = Stopwatch.StartNew();
        var fromInputs = ChurnProbabilityModel.Train(inputs.InnerCustomers, inputs.InnerHoldoutTransactions, inputs.InnerPeriod!, inputs.Customers, settings.Period, settings.ChurnHorizonWeeks);
        output.WriteLine($"churn model of {inputs.Customers.Count:N0} customers learned in {watch.Elapsed.TotalSeconds:0.00} s");
        var transactions = log.Select(t => t.ToTransaction()).Where(t => t.Date <= CdnowData.Calibration.CalibrationEnd).ToList();
        var fromLog = ChurnProbabilityModel.Train(transactions, CdnowData.Calibration, CdnowData.HoldoutWeeks);

        Assert.Equal(23_570, inputs.Customers.Count);
        Assert.Equal(fromLog.Coefficients.Count, fromInputs.Coefficients.Count);
        Assert.All(fromLog.Coefficients.Zip(fromInputs.Coefficients), c => Assert.Equal(c.First, c.Second, 9));
        Assert.Equal(fromLog.Dropout.R, fromInputs.Dropout.R, 9);
    }
}
