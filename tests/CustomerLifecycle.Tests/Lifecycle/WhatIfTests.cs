using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Lifecycle;
using static CustomerLifecycle.Lifecycle.LifecycleStage;
using static CustomerLifecycle.Tests.Lifecycle.TestFacts;

namespace CustomerLifecycle.Tests.Lifecycle;

public class WhatIfTests
{
    private static LifecycleFact Of(string customerId, LifecycleFact fact) => fact with { CustomerId = customerId };

    private static readonly LifecycleFact[] Population =
    [
        Of("a", Buy(Day(0))),
        Of("b", Buy(Day(50))),
        Of("c", Ad(Day(0))),
        Of("d", Buy(Day(0))), Of("d", Buy(Day(10))), Of("d", Complain(Day(20), severity: ComplaintSeverity.Medium)),
    ];

    [Fact]
    public void Shorter_at_risk_window_moves_quiet_customers_to_at_risk()
    {
        var candidate = RuleSet.Default with { Version = "candidate", AtRiskAfterDays = 30 };

        var shifts = WhatIf.Run(Population, RuleSet.Default, candidate, Day(60));

        Assert.Equal(
            [
                new StageShift("a", Customer, AtRisk),
                new StageShift("b", Customer, Customer),
                new StageShift("c", Prospect, Prospect),
                new StageShift("d", RepeatCustomer, AtRisk),
            ],
            shifts);
    }

    [Fact]
    public void The_matrix_counts_customers_per_current_and_candidate_stage()
    {
        var shifts = WhatIf.Run(Population, RuleSet.Default, RuleSet.Default with { AtRiskAfterDays = 30 }, Day(60));

        var matrix = StageShiftMatrix.Of(shifts);

        Assert.Equal((4, 2), (matrix.Customers, matrix.Changed));
        Assert.Equal(1, matrix.Count(Customer, AtRisk));
        Assert.Equal(1, matrix.Count(RepeatCustomer, AtRisk));
        Assert.Equal(0, matrix.Count(Loyal, Loyal));
        Assert.Equal(
            [new(Prospect, Prospect, 1), new(Customer, Customer, 1), new(Customer, AtRisk, 1), new StageShiftCell(RepeatCustomer, AtRisk, 1)],
            matrix.Cells);
    }

    [Fact]
    public void Matrices_from_partial_runs_merge_into_the_whole()
    {
        var shifts = WhatIf.Run(Population, RuleSet.Default, RuleSet.Default with { ComplaintAtRiskEnabled = false }, Day(60));

        var merged = StageShiftMatrix.Of(shifts.Take(2)).Merge(StageShiftMatrix.Of(shifts.Skip(2)));

        Assert.Equal(StageShiftMatrix.Of(shifts).Cells, merged.Cells);
        Assert.Equal(0, merged.Changed);
    }
}
