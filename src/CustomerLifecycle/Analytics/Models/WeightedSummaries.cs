namespace CustomerLifecycle.Analytics.Models;

/// <summary>
/// Customer summaries collapsed to their distinct (x, t_x, T) with a count each. Summaries measured on a calendar
/// (whole days in weeks, a handful of acquisition dates) repeat heavily, so a likelihood evaluated once per distinct
/// summary and weighted by its count costs a fraction of one evaluated per customer and sums to the same value.
/// </summary>
internal sealed class WeightedSummaries
{
    public WeightedSummaries(ReadOnlySpan<CustomerSummary> customers)
    {
        var counts = new Dictionary<CustomerSummary, int>();
        foreach (var customer in customers)
        {
            customer.Validate();
            counts[customer] = counts.GetValueOrDefault(customer) + 1;
            TotalRepeatTransactions += customer.Frequency;
            TotalAge += customer.T;
        }

        Summaries = [.. counts.Keys];
        Weights = [.. counts.Values];
        Count = customers.Length;
    }

    public CustomerSummary[] Summaries { get; }

    public int[] Weights { get; }

    /// <summary>Customers, counting duplicates.</summary>
    public int Count { get; }

    public long TotalRepeatTransactions { get; }

    public double TotalAge { get; }

    /// <summary>Σ weight · f(summary), summed in parallel over fixed index ranges so the result does not depend on the core count.</summary>
    public double Sum(Func<CustomerSummary, double> logLikelihood) => Sum(() => logLikelihood);

    /// <summary>As <see cref="Sum(Func{CustomerSummary, double})"/>, with one function per range, so each can keep its own cache.</summary>
    public double Sum(Func<Func<CustomerSummary, double>> logLikelihoodPerRange)
    {
        const int chunks = 8;
        if (Summaries.Length < 4096)
        {
            return SumRange(logLikelihoodPerRange(), 0, Summaries.Length);
        }

        var partial = new double[chunks];
        Parallel.For(0, chunks, chunk =>
        {
            var from = (int)((long)Summaries.Length * chunk / chunks);
            var to = (int)((long)Summaries.Length * (chunk + 1) / chunks);
            partial[chunk] = SumRange(logLikelihoodPerRange(), from, to);
        });
        return partial.Sum();
    }

    private double SumRange(Func<CustomerSummary, double> logLikelihood, int from, int to)
    {
        var total = 0.0;
        for (var i = from; i < to; i++)
        {
            total += Weights[i] * logLikelihood(Summaries[i]);
        }

        return total;
    }
}
