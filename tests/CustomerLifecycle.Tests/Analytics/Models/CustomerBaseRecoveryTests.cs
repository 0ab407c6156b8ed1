using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>Fits recover the parameters a customer base was simulated from, within three of their standard errors.</summary>
public class CustomerBaseRecoveryTests
{
    [Fact]
    public void Mbg_nbd_fit_recovers_simulated_parameters()
    {
        var truth = new MbgNbdParameters(0.525, 6.183, 0.891, 1.614);
        var customers = CustomerBaseSimulation.MbgNbd(truth, 50_000, seed: 18);

        var fit = MbgNbd.Fit(customers);

        Assert.True(fit.Converged);
        AssertRecovered([truth.R, truth.Alpha, truth.A, truth.B], fit.Estimates);
    }

    [Fact]
    public void Pareto_nbd_fit_recovers_simulated_parameters()
    {
        var truth = new ParetoNbdParameters(0.553, 10.578, 0.606, 11.669);
        var customers = CustomerBaseSimulation.ParetoNbd(truth, 10_000, seed: 18);

        var fit = ParetoNbd.Fit(customers);

        Assert.True(fit.Converged);
        AssertRecovered([truth.R, truth.Alpha, truth.S, truth.Beta], fit.Estimates);
    }

    private static void AssertRecovered(double[] truth, IReadOnlyList<ParameterEstimate> estimates)
    {
        Assert.Equal(truth.Length, estimates.Count);
        for (var i = 0; i < truth.Length; i++)
        {
            var standardError = estimates[i].StandardError!.Value;
            Assert.True(
                Math.Abs(estimates[i].Value - truth[i]) <= 3 * standardError,
                $"{estimates[i].Name}: fitted {estimates[i].Value:G5} ± {standardError:G3}, simulated from {truth[i]:G5}");
        }
    }
}
