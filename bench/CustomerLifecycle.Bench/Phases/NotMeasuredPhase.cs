namespace CustomerLifecycle.Bench.Phases;

/// <summary>
/// A phase whose subject does not exist yet. It says so instead of printing a number; when its subject lands, a
/// class of its own that measures it replaces this entry in <see cref="BenchRun"/>'s list.
/// </summary>
internal sealed class NotMeasuredPhase(int number, string title, string missing) : IPhase
{
    public int Number => number;

    public string Title => title;

    public Task<PhaseReport> RunAsync(PhaseContext context)
    {
        var reason = $"not measured — needs {missing}";
        Console.WriteLine($"phase {number}: {reason}");
        return Task.FromResult(new PhaseReport(number, title, [], reason));
    }
}
