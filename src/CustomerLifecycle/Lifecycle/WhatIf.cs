using System.Collections.Immutable;

namespace CustomerLifecycle.Lifecycle;

/// <summary>
/// The what-if tool's core: replays each customer's facts under the current and a candidate rule set and
/// reports where each would stand at <c>asOf</c>, using only what had happened by then (and, with <c>knownAt</c>,
/// only what had been recorded by then). Pure, so it can run over a sample or the whole store.
/// </summary>
public static class WhatIf
{
    /// <summary>
    /// One shift per customer who had a fact by <paramref name="asOf"/> (recorded by <paramref name="knownAt"/> when
    /// given), ordered by customer id (ordinal). Customers whose first fact comes later are not counted.
    /// </summary>
    public static IReadOnlyList<StageShift> Run(
        IEnumerable<LifecycleFact> facts, RuleSet currentRules, RuleSet candidateRules, DateTimeOffset asOf, DateTimeOffset? knownAt = null)
    {
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(currentRules);
        ArgumentNullException.ThrowIfNull(candidateRules);
        currentRules.EnsureValid();
        candidateRules.EnsureValid();
        return [.. LifecycleJournal.KnownBy(facts, asOf, knownAt)
            .GroupBy(f => f.CustomerId, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new StageShift(
                g.Key,
                LifecycleJournal.Replay(g, currentRules, asOf).State.Stage,
                LifecycleJournal.Replay(g, candidateRules, asOf).State.Stage))];
    }
}

/// <summary>Where one customer stands under the current rules (From) and under the candidate rules (To).</summary>
public sealed record StageShift(string CustomerId, LifecycleStage? From, LifecycleStage? To)
{
    public bool Changed => From != To;
}

/// <summary>
/// Counts of customers per (current stage, candidate stage): the what-if matrix. Immutable and additive, so
/// it can be accumulated shift by shift or merged from partial runs. Cells are ordered by From then To, with
/// "no stage" first; cells with no customers are absent.
/// </summary>
public sealed record StageShiftMatrix
{
    public static StageShiftMatrix Empty { get; } = new();

    public ImmutableList<StageShiftCell> Cells { get; init; } = [];

    public int Customers => Cells.Sum(c => c.Count);

    public int Changed => Cells.Where(c => c.From != c.To).Sum(c => c.Count);

    public static StageShiftMatrix Of(IEnumerable<StageShift> shifts)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        return shifts.Aggregate(Empty, (matrix, shift) => matrix.Add(shift));
    }

    public int Count(LifecycleStage? from, LifecycleStage? to) => Cells.Find(c => c.From == from && c.To == to)?.Count ?? 0;

    public StageShiftMatrix Add(StageShift shift)
    {
        ArgumentNullException.ThrowIfNull(shift);
        return Add(new StageShiftCell(shift.From, shift.To, 1));
    }

    public StageShiftMatrix Merge(StageShiftMatrix other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.Cells.Aggregate(this, (matrix, cell) => matrix.Add(cell));
    }

    private StageShiftMatrix Add(StageShiftCell cell)
    {
        var index = Cells.FindIndex(c => c.From == cell.From && c.To == cell.To);
        if (index >= 0)
        {
            return this with { Cells = Cells.SetItem(index, Cells[index] with { Count = Cells[index].Count + cell.Count }) };
        }

        var before = Cells.FindIndex(c => Position(c).CompareTo(Position(cell)) > 0);
        return this with { Cells = before < 0 ? Cells.Add(cell) : Cells.Insert(before, cell) };
    }

    private static (int, int) Position(StageShiftCell cell) => (cell.From is { } f ? (int)f : -1, cell.To is { } t ? (int)t : -1);
}

public sealed record StageShiftCell(LifecycleStage? From, LifecycleStage? To, int Count);
