using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Clv;

public enum PaymentKind { Purchase, Refund }

/// <summary>One purchase_completed or refund_issued of a customer in the fit's currency, as read from the store.</summary>
public sealed record PaymentRecord(string CustomerId, PaymentKind Kind, string OrderId, decimal Amount, DateTimeOffset OccurredAt);

/// <summary>The orders of a transaction log after refunds, as the models want them.</summary>
/// <param name="Orders">One transaction per order still (partly) paid for, dated on the UTC day of its purchase.</param>
/// <param name="FullyRefundedOrders">Orders dropped because refunds took back all that was paid.</param>
/// <param name="UnmatchedRefunds">Order ids that were refunded but never bought (in the data read): they change nothing.</param>
/// <param name="NetRevenue">Per customer: paid minus refunded over the orders bought, fully refunded ones included (as ≤ 0).</param>
public sealed record NetOrders(
    IReadOnlyList<Transaction> Orders, int FullyRefundedOrders, int UnmatchedRefunds, IReadOnlyDictionary<string, decimal> NetRevenue);

/// <summary>
/// Turns purchases and refunds into the transaction log the models read. The models count purchase occasions and
/// average their value, so a refund must lower the value of the order it refers to, and an order refunded in full
/// must not count as an occasion at all (it would otherwise look like a repeat purchase that never brought money).
/// Same-day orders stay separate here; <see cref="PurchaseSummary"/> merges them into one transaction per day as
/// the BG/NBD conventions require.
/// </summary>
public static class ClvInputs
{
    /// <summary>
    /// Nets refunds against their orders (same customer, same order id), counting only payments that occurred before
    /// <paramref name="knownBefore"/>: a refund issued after the end of calibration was not known at that date.
    /// Two purchases with one order id are one order, dated at the earlier.
    /// </summary>
    public static NetOrders Net(IEnumerable<PaymentRecord> payments, DateTimeOffset knownBefore)
    {
        ArgumentNullException.ThrowIfNull(payments);
        var orders = new Dictionary<(string Customer, string Order), (decimal Paid, decimal Refunded, DateTimeOffset? FirstPurchase)>();
        foreach (var payment in payments)
        {
            if (payment.OccurredAt >= knownBefore)
            {
                continue;
            }

            var key = (payment.CustomerId, payment.OrderId);
            var order = orders.GetValueOrDefault(key);
            orders[key] = payment.Kind == PaymentKind.Purchase
                ? (order.Paid + payment.Amount, order.Refunded, order.FirstPurchase is { } first && first <= payment.OccurredAt ? first : payment.OccurredAt)
                : (order.Paid, order.Refunded + payment.Amount, order.FirstPurchase);
        }

        var transactions = new List<Transaction>(orders.Count);
        var netRevenue = new Dictionary<string, decimal>(StringComparer.Ordinal);
        int fullyRefunded = 0, unmatched = 0;
        foreach (var ((customer, _), (paid, refunded, firstPurchase)) in orders)
        {
            if (firstPurchase is not { } purchasedAt)
            {
                unmatched++;
                continue;
            }

            var net = paid - refunded;
            netRevenue[customer] = netRevenue.GetValueOrDefault(customer) + net;
            if (refunded > 0 && net <= 0)
            {
                fullyRefunded++;
                continue;
            }

            transactions.Add(new Transaction(customer, DateOnly.FromDateTime(purchasedAt.UtcDateTime), (double)net));
        }

        return new NetOrders(transactions, fullyRefunded, unmatched, netRevenue);
    }
}
