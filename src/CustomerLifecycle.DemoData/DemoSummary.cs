using System.Globalization;
using CustomerLifecycle.DemoData.Generation;

namespace CustomerLifecycle.DemoData;

internal sealed record ChannelFunnel(string Channel, int Customers, int Engaged, int Bought, int Orders, int Subscribed, int WonBack)
{
    public double Conversion => Customers == 0 ? 0 : (double)Bought / Customers;
}

/// <summary>What a generated population holds: people per channel and how far they went, touchpoints per type.</summary>
internal sealed record DemoSummary(
    DemoSettings Settings, int Customers, int ReferredFriends, int Touchpoints, int Late,
    IReadOnlyList<ChannelFunnel> Channels, IReadOnlyList<(string Type, int Count)> Types)
{
    public static DemoSummary Of(DemoDataSet data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var channels = data.Customers
            .GroupBy(c => c.Channel)
            .Select(g => new ChannelFunnel(g.Key, g.Count(), g.Count(c => c.Engaged), g.Count(c => c.Orders > 0), g.Sum(c => c.Orders), g.Count(c => c.Subscribed), g.Count(c => c.WonBack)))
            .OrderByDescending(c => c.Customers)
            .ThenBy(c => c.Channel, StringComparer.Ordinal)
            .ToList();
        var types = data.Touchpoints
            .GroupBy(t => t.Type)
            .Select(g => (g.Key, g.Count()))
            .OrderByDescending(t => t.Item2)
            .ThenBy(t => t.Key, StringComparer.Ordinal)
            .ToList();
        return new DemoSummary(
            data.Settings, data.Customers.Count, data.Customers.Count(c => c.ReferredBy is not null), data.Touchpoints.Count,
            data.Touchpoints.Count(t => t.ArrivesLate), channels, types);
    }

    public void WriteTo(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var s = Settings;
        output.WriteLine(Invariant($"Demo data: seed {s.Seed}, {s.Start:yyyy-MM-dd} to {s.End:yyyy-MM-dd} (exclusive), ids {s.IdPrefix}-*"));
        output.WriteLine(Invariant($"  {Customers:N0} customers ({Customers - ReferredFriends:N0} acquired by channel, {ReferredFriends:N0} referred by them), {Touchpoints:N0} touchpoints, {Late:N0} of them late"));
        output.WriteLine();
        output.WriteLine("  channel      customers  engaged   bought  conversion   orders  subscribed  won back");
        foreach (var c in Channels)
        {
            output.WriteLine(Invariant($"  {c.Channel,-10} {c.Customers,11:N0} {c.Engaged,8:N0} {c.Bought,8:N0} {c.Conversion,11:P1} {c.Orders,8:N0} {c.Subscribed,11:N0} {c.WonBack,9:N0}"));
        }

        output.WriteLine();
        output.WriteLine("  touchpoint type             count");
        foreach (var (type, count) in Types)
        {
            output.WriteLine(Invariant($"  {type,-24} {count,8:N0}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
