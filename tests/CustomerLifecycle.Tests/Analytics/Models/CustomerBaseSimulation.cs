using CustomerLifecycle.Analytics.Models;
using MathNet.Numerics.Distributions;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>
/// Simulated customer bases drawn from known parameters, for recovery tests. Customers are acquired on one of 91 days
/// (13 weeks) and observed to the end of week 39; the last purchase is recorded to the day, as a store's log would.
/// </summary>
internal static class CustomerBaseSimulation
{
    private const double Day = 1.0 / 7;

    /// <summary>Pareto/NBD: λ ~ Gamma(r, α), lifetime ~ Exp(μ) with μ ~ Gamma(s, β), Poisson purchases while alive.</summary>
    public static CustomerSummary[] ParetoNbd(ParetoNbdParameters truth, int customers, int seed)
    {
        var random = new Random(seed);
        var rates = new Gamma(truth.R, truth.Alpha, random);
        var dropoutRates = new Gamma(truth.S, truth.Beta, random);
        return [.. Enumerable.Range(0, customers).Select(_ =>
        {
            var age = ObservedWeeks(random);
            var lambda = rates.Sample();
            var lifetime = Exponential.Sample(random, dropoutRates.Sample());
            var purchases = new List<double>();
            for (var t = Exponential.Sample(random, lambda); t < Math.Min(lifetime, age); t += Exponential.Sample(random, lambda))
            {
                purchases.Add(t);
            }

            return Summarise(purchases, age);
        })];
    }

    /// <summary>MBG/NBD: λ ~ Gamma(r, α), p ~ Beta(a, b); a coin with P(drop) = p is tossed at the first and every repeat purchase.</summary>
    public static CustomerSummary[] MbgNbd(MbgNbdParameters truth, int customers, int seed)
    {
        var random = new Random(seed);
        var rates = new Gamma(truth.R, truth.Alpha, random);
        var dropouts = new Beta(truth.A, truth.B, random);
        return [.. Enumerable.Range(0, customers).Select(_ =>
        {
            var age = ObservedWeeks(random);
            var lambda = rates.Sample();
            var p = dropouts.Sample();
            var purchases = new List<double>();
            var t = 0.0;
            while (random.NextDouble() >= p)
            {
                t += Exponential.Sample(random, lambda);
                if (t >= age)
                {
                    break;
                }

                purchases.Add(t);
            }

            return Summarise(purchases, age);
        })];
    }

    private static double ObservedWeeks(Random random) => 26 + (random.Next(0, 91) * Day);

    /// <summary>
    /// The last purchase's time is rounded up to the end of its day, so summaries repeat the way a store's do and the
    /// fits see few distinct ones; purchases are not merged by day, which would change the simulated process.
    /// </summary>
    private static CustomerSummary Summarise(List<double> purchases, double age) =>
        purchases.Count == 0
            ? new CustomerSummary(0, 0, age)
            : new CustomerSummary(purchases.Count, Math.Min(Math.Ceiling(purchases[^1] / Day) * Day, age), age);
}
