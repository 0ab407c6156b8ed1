using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Tests.Analytics.Clv;

public class ClvInputsTests
{
    private static readonly DateTimeOffset Later = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static PaymentRecord Buy(string customer, string order, decimal amount, string day) =>
        new(customer, PaymentKind.Purchase, order, amount, DateTimeOffset.Parse(day + "T15:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static PaymentRecord Refund(string customer, string order, decimal amount, string day) =>
        new(customer, PaymentKind.Refund, order, amount, DateTimeOffset.Parse(day + "T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void A_partial_refund_lowers_the_value_of_its_order_on_the_day_of_the_purchase()
    {
        var net = ClvInputs.Net([Buy("c1", "o1", 50m, "2025-03-01"), Refund("c1", "o1", 20m, "2025-03-09")], Later);

        Assert.Equal([new Transaction("c1", new DateOnly(2025, 3, 1), 30)], net.Orders);
        Assert.Equal(30m, net.NetRevenue["c1"]);
    }

    [Fact]
    public void An_order_refunded_in_full_is_no_purchase_occasion()
    {
        var net = ClvInputs.Net([Buy("c1", "o1", 50m, "2025-03-01"), Buy("c1", "o2", 10m, "2025-04-01"), Refund("c1", "o2", 10m, "2025-04-02")], Later);

        Assert.Equal([new Transaction("c1", new DateOnly(2025, 3, 1), 50)], net.Orders);
        Assert.Equal((1, 0), (net.FullyRefundedOrders, net.UnmatchedRefunds));
        Assert.Equal(50m, net.NetRevenue["c1"]);
    }

    [Fact]
    public void One_rule_for_orders_worth_nothing_an_order_kept_is_an_occasion_whatever_it_cost_and_one_given_back_is_not()
    {
        var net = ClvInputs.Net([Buy("c1", "o1", 50m, "2025-03-01"), Buy("c1", "o2", 0m, "2025-04-01"), Buy("c1", "o3", 10m, "2025-05-01"), Refund("c1", "o3", 10m, "2025-05-02")], Later);

        Assert.Equal([new Transaction("c1", new DateOnly(2025, 3, 1), 50), new Transaction("c1", new DateOnly(2025, 4, 1), 0)], net.Orders.OrderBy(o => o.Date));
        Assert.Equal((1, 1), (net.FullyRefundedOrders, net.ZeroValueOrders));
        Assert.Equal(50m, net.NetRevenue["c1"]);
    }

    [Fact]
    public void A_refund_of_an_order_we_never_saw_changes_nothing_and_is_counted()
    {
        var net = ClvInputs.Net([Buy("c1", "o1", 50m, "2025-03-01"), Refund("c1", "o9", 5m, "2025-03-02")], Later);

        Assert.Single(net.Orders);
        Assert.Equal(1, net.UnmatchedRefunds);
        Assert.Equal(50m, net.NetRevenue["c1"]);
    }

    [Fact]
    public void Payments_at_or_after_the_cut_off_are_not_known_yet()
    {
        var cutOff = new DateTimeOffset(2025, 3, 5, 0, 0, 0, TimeSpan.Zero);

        var net = ClvInputs.Net([Buy("c1", "o1", 50m, "2025-03-01"), Refund("c1", "o1", 50m, "2025-03-06"), Buy("c1", "o2", 5m, "2025-03-05")], cutOff);

        Assert.Equal([new Transaction("c1", new DateOnly(2025, 3, 1), 50)], net.Orders);
    }

    [Fact]
    public void Order_ids_belong_to_a_customer_and_two_purchases_of_one_order_are_one_occasion_at_the_first()
    {
        var net = ClvInputs.Net([Buy("c1", "o1", 20m, "2025-03-02"), Buy("c1", "o1", 5m, "2025-03-01"), Buy("c2", "o1", 7m, "2025-03-01")], Later);

        Assert.Equal(
            [new Transaction("c1", new DateOnly(2025, 3, 1), 25), new Transaction("c2", new DateOnly(2025, 3, 1), 7)],
            net.Orders.OrderBy(o => o.CustomerId, StringComparer.Ordinal));
    }

    [Fact]
    public void Same_day_orders_stay_apart_here_and_become_one_transaction_in_the_summary()
    {
        var net = ClvInputs.Net([Buy("c1", "o1", 10m, "2025-03-01"), Buy("c1", "o2", 15m, "2025-03-01"), Buy("c1", "o3", 30m, "2025-03-15")], Later);
        var summary = Assert.Single(PurchaseSummary.Build(net.Orders, new SummaryPeriod(new DateOnly(2025, 1, 1), new DateOnly(2025, 3, 29))));

        Assert.Equal(3, net.Orders.Count);
        Assert.Equal((1, 2.0, 4.0, 30.0), (summary.Frequency, summary.Recency, summary.T, summary.MonetaryValue));
    }
}
