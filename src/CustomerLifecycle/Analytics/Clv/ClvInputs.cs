using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Analytics.Clv;

public enum PaymentKind { Purchase, Refund }

/// <summary>One purchase_completed or refund_issued of a customer in the fit's currency, as read from the store.</summary>
public sealed record PaymentRecord(string CustomerId, PaymentKind Kind, string OrderId, decimal Amount, DateTimeOffset OccurredAt);

/// <summary>The orders of a transaction log after refunds, as the models want them.</summary>
/// <param name="Orders">One transaction per order still (partly) paid for, dated on the UTC day of its purchase.</param>
/// <param name="FullyRefundedOrders">Orders dropped because refunds took back all that was paid.</param>
/// <param name="ZeroValueOrders">Orders kept at $0 (a free order, nothing refunded): occasions worth 0, included in <paramref name="Orders"/>.</param>
/// <param name="UnmatchedRefunds">Order ids that were refunded but never bought (in the data read): they change nothing.</param>
/// <param name="NetRevenue">Per customer: paid minus refunded over the orders bought, fully refunded ones included (as ≤ 0).</param>
public sealed record NetOrders(
    IReadOnlyList<Transaction> Orders, int FullyRefundedOrders, int ZeroValueOrders, int UnmatchedRefunds, IReadOnlyDictionary<string, decimal> NetRevenue);

/// <summary>
/// Turns purchases and refunds into the transaction log the models read. The models count purchase occasions and
/// average their value, so a refund must lower the value of the order it refers to. One rule decides what is an
/// occasion: an order the customer kept, whatever it cost. Refunds cancel occasions, prices do not: an order refunded
/// in full was given back and is no occasion (it would otherwise look like a repeat purchase the customer undid),
/// while an order kept at $0 (a free item, a promotion) is an occasion worth 0, as in the CDNOW benchmark. Both are counted.
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
        int fullyRefunded = 0, zeroValue = 0, unmatched = 0;
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

            zeroValue += net == 0 ? 1 : 0;

            transactions.Add(new Transaction(customer, DateOnly.FromDateTime(purchasedAt.UtcDateTime), (double)net));
        }

        return new NetOrders(transactions, fullyRefunded, zeroValue, unmatched, netRevenue);
    }
}

/// <summary>
/// What a fit keeps of the payments, gathered one customer at a time: the calibration summary and net revenue of each
/// customer acquired in calibration, their holdout purchase days, the same summaries for the churn model's inner
/// period (see <see cref="ChurnProbabilityModel"/>), and the order counts of the outcome. A customer's
/// payments never change another customer's inputs, so netting and summarising each customer alone gives exactly what
/// netting the whole log at once gives, while memory grows with the customers kept, not with the payments read.
/// </summary>
public sealed class ClvFitInputs(ClvFitSettings settings, DateTimeOffset dataEnd)
{
    private readonly List<CustomerPurchaseSummary> customers = [];
    private readonly Dictionary<string, decimal> netRevenue = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> holdoutTransactions = new(StringComparer.Ordinal);
    private readonly List<CustomerPurchaseSummary> innerCustomers = [];
    private readonly Dictionary<string, int> innerHoldoutTransactions = new(StringComparer.Ordinal);
    private bool sorted = true;

    /// <summary>Customers acquired in calibration, by customer id (ordinal), as <see cref="PurchaseSummary.Build"/> orders them.</summary>
    public IReadOnlyList<CustomerPurchaseSummary> Customers
    {
        get
        {
            if (!sorted)
            {
                customers.Sort((x, y) => string.CompareOrdinal(x.CustomerId, y.CustomerId));
                sorted = true;
            }

            return customers;
        }
    }

    /// <summary>Net revenue in calibration of each customer in <see cref="Customers"/>.</summary>
    public IReadOnlyDictionary<string, decimal> NetRevenue => netRevenue;

    /// <summary>Holdout purchase days of the calibration customers who bought in the holdout (absent means none).</summary>
    public IReadOnlyDictionary<string, int> HoldoutTransactions => holdoutTransactions;

    /// <summary>The churn model's inner period (calibration cut short by the churn horizon); null when calibration is too short for one.</summary>
    public SummaryPeriod? InnerPeriod { get; } = ChurnProbabilityModel.InnerPeriod(settings.Period, settings.ChurnHorizonWeeks);

    /// <summary>Customers acquired before the inner period's end, summarised as of then.</summary>
    public IReadOnlyList<CustomerPurchaseSummary> InnerCustomers => innerCustomers;

    /// <summary>Purchase days of <see cref="InnerCustomers"/> between the inner period's end and the calibration end (absent means none).</summary>
    public IReadOnlyDictionary<string, int> InnerHoldoutTransactions => innerHoldoutTransactions;

    /// <summary>Customers in <see cref="Customers"/> with at least one repeat purchase day.</summary>
    public int RepeatCustomers { get; private set; }

    /// <summary>Orders still (partly) paid for over the whole data window, calibration and holdout.</summary>
    public int Orders { get; private set; }

    public int FullyRefundedOrders { get; private set; }

    public int ZeroValueOrders { get; private set; }

    public int UnmatchedRefunds { get; private set; }

    /// <summary>Adds the payments of one customer; a customer must come once, with all their payments.</summary>
    public void Add(IReadOnlyList<PaymentRecord> payments)
    {
        ArgumentNullException.ThrowIfNull(payments);
        if (payments.Count == 0)
        {
            return;
        }

        var calibration = ClvInputs.Net(payments, settings.CalibrationCutoff);
        var everything = dataEnd == settings.CalibrationCutoff ? calibration : ClvInputs.Net(payments, dataEnd);
        Orders += everything.Orders.Count;
        FullyRefundedOrders += everything.FullyRefundedOrders;
        ZeroValueOrders += everything.ZeroValueOrders;
        UnmatchedRefunds += everything.UnmatchedRefunds;
        if (PurchaseSummary.Build(calibration.Orders, settings.Period) is not [var summary])
        {
            return; // not acquired in calibration: it neither shapes the models nor gets valued
        }

        if (customers.Count > 0 && string.CompareOrdinal(customers[^1].CustomerId, summary.CustomerId) > 0)
        {
            sorted = false;
        }

        customers.Add(summary);
        RepeatCustomers += summary.Frequency > 0 ? 1 : 0;
        if (InnerPeriod is { } inner && PurchaseSummary.Build(calibration.Orders, inner) is [var innerSummary])
        {
            innerCustomers.Add(innerSummary);
            if (PurchaseSummary.CountHoldoutTransactions(calibration.Orders, inner, settings.CalibrationEnd).GetValueOrDefault(summary.CustomerId) is > 0 and var later)
            {
                innerHoldoutTransactions[summary.CustomerId] = later;
            }
        }

        netRevenue[summary.CustomerId] = calibration.NetRevenue.GetValueOrDefault(summary.CustomerId);
        if (settings.HoldoutEnd is { } holdoutEnd
            && PurchaseSummary.CountHoldoutTransactions(everything.Orders, settings.Period, holdoutEnd).GetValueOrDefault(summary.CustomerId) is > 0 and var bought)
        {
            holdoutTransactions[summary.CustomerId] = bought;
        }
    }
}
