using CsCheck;
using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Clv;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Tests.Analytics.Clv;

/// <summary>
/// The fit gathers its inputs one customer at a time so that its memory does not grow with the payments. These tests
/// hold that to what netting and summarising the whole log at once gives, on random logs with refunds that take back
/// part, all or more than an order, refunds of orders never bought, repeated order ids, same-day purchases and
/// payments on both sides of the calibration cut-off and outside the holdout.
/// </summary>
public class ClvFitInputsTests
{
    private static readonly DateOnly Start = new(2025, 1, 1);

    private static ClvFitSettings Settings(DateOnly? holdoutEnd) =>
        new("EUR", null, null, Start, new DateOnly(2025, 6, 30), holdoutEnd, 12, 52.0 / 12, 0.01, 0.3, new ChurnSignalWeights());

    private static readonly Gen<PaymentRecord> Payment =
        Gen.Select(Gen.Int[0, 30], Gen.Int[0, 6], Gen.Bool, Gen.Int[1, 120], Gen.Int[0, 400], Gen.Int[0, 23])
            .Select((customer, order, refund, amount, day, hour) => new PaymentRecord(
                $"c{customer:00}",
                refund ? PaymentKind.Refund : PaymentKind.Purchase,
                $"o{order}",
                amount,
                new DateTimeOffset(Start.AddDays(day), new TimeOnly(hour, 0), TimeSpan.Zero)));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gathering_customer_by_customer_equals_netting_the_whole_log(bool withHoldout)
    {
        var settings = Settings(withHoldout ? new DateOnly(2025, 10, 31) : null);
        var dataEnd = settings.HoldoutEnd is { } end ? new DateTimeOffset(end.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero) : settings.CalibrationCutoff;
        Payment.List[0, 200].Sample(log =>
        {
            var inputs = new ClvFitInputs(settings, dataEnd);
            // Customers arrive in any order (the store groups them, it need not sort them ordinally).
            foreach (var customer in log.GroupBy(p => p.CustomerId).Reverse())
            {
                inputs.Add([.. customer]);
            }

            var calibration = ClvInputs.Net(log, settings.CalibrationCutoff);
            var everything = ClvInputs.Net(log, dataEnd);
            var expected = PurchaseSummary.Build(calibration.Orders, settings.Period);
            Assert.Equal(expected, inputs.Customers);
            Assert.Equal(
                expected.Select(c => (c.CustomerId, calibration.NetRevenue[c.CustomerId])),
                expected.Select(c => (c.CustomerId, inputs.NetRevenue[c.CustomerId])));
            Assert.Equal(expected.Count, inputs.NetRevenue.Count);
            Assert.Equal(
                (everything.Orders.Count, everything.FullyRefundedOrders, everything.ZeroValueOrders, everything.UnmatchedRefunds),
                (inputs.Orders, inputs.FullyRefundedOrders, inputs.ZeroValueOrders, inputs.UnmatchedRefunds));
            Assert.Equal(expected.Count(c => c.Frequency > 0), inputs.RepeatCustomers);
            if (settings.HoldoutEnd is { } holdoutEnd)
            {
                // Only the customers the models were fitted on are compared with their holdout (HoldoutValidation reads
                // no other), so only theirs are kept.
                var holdout = PurchaseSummary.CountHoldoutTransactions(everything.Orders, settings.Period, holdoutEnd);
                Assert.Equal(
                    expected.Select(c => holdout.GetValueOrDefault(c.CustomerId)),
                    expected.Select(c => inputs.HoldoutTransactions.GetValueOrDefault(c.CustomerId)));
                Assert.DoesNotContain(inputs.HoldoutTransactions, h => h.Value == 0 || !inputs.NetRevenue.ContainsKey(h.Key));
            }
            else
            {
                Assert.Empty(inputs.HoldoutTransactions);
            }
        }, iter: 500, seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Repeat_customers_are_the_customers_who_bought_again_even_when_only_for_nothing()
    {
        var settings = Settings(null);
        var inputs = new ClvFitInputs(settings, settings.CalibrationCutoff);
        PaymentRecord Buy(string customer, string order, decimal amount, int day) =>
            new(customer, PaymentKind.Purchase, order, amount, new DateTimeOffset(Start.AddDays(day), new TimeOnly(12, 0), TimeSpan.Zero));

        inputs.Add([Buy("c1", "o1", 30m, 0), Buy("c1", "o2", 0m, 20)]);
        inputs.Add([Buy("c2", "o3", 30m, 0), Buy("c2", "o4", 25m, 40)]);
        inputs.Add([Buy("c3", "o5", 30m, 0)]);

        // c1's repeat purchase was free: a repeat customer, but no spend for the spend model to learn from.
        Assert.Equal(2, inputs.RepeatCustomers);
        Assert.Equal(1, inputs.Customers.Count(c => c.Frequency > 0 && c.MonetaryValue > 0));
        Assert.Equal((5, 1), (inputs.Orders, inputs.ZeroValueOrders));
    }
}
