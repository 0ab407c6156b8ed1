using System.Globalization;

namespace CustomerLifecycle.Bench;

/// <summary>The command line: how much load, and against which server.</summary>
internal sealed record BenchOptions
{
    // Sized so that a full run (publish, start, all phases) takes about three minutes on the 2-core reference machine.
    public const int DefaultEvents = 100_000;
    public const int QuickEvents = 5_000;

    /// <summary>Events per bulk measurement (COPY, Marten, each HTTP batch concurrency).</summary>
    public int Events { get; init; } = DefaultEvents;

    /// <summary>Single-event measurements send a tenth as many: they are an order of magnitude slower per event.</summary>
    public int SingleEvents => Math.Max(500, Events / 10);

    public bool Quick { get; init; }

    /// <summary>An existing server (allowed to create databases) instead of the private one.</summary>
    public string? Connection { get; init; }

    /// <summary>Every measurement also stops after this long, whatever its count.</summary>
    public TimeSpan MeasurementTimeLimit => Quick ? TimeSpan.FromSeconds(4) : TimeSpan.FromSeconds(20);

    public int Customers { get; init; } = 50_000;

    /// <summary>Only these phases (all when empty): for working on one part; a full result needs every phase.</summary>
    public IReadOnlySet<int> OnlyPhases { get; init; } = new HashSet<int>();

    public const string Usage = """
        usage: bench/run [--events N] [--quick] [--connection "<connection string>"] [--only 1,3,4]
          --events N        events per bulk measurement (default 100000; single-event measurements use N/10); each stops after 20 s at most
          --quick           smoke run with small N (5000), under 40 s
          --connection cs   use this PostgreSQL (needs CREATEDB) instead of a private server under .data/bench
          --only 1,3        run only these phases (ratios need their phases: copy 1, batch 3, single 4)
        """;

    /// <summary>False with an empty problem for --help.</summary>
    public static bool TryParse(string[] args, out BenchOptions options, out string problem)
    {
        options = new BenchOptions();
        problem = "";
        int? events = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    options = options with { Quick = true };
                    break;
                case "--events" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1_000:
                    events = n;
                    i++;
                    break;
                case "--connection" when i + 1 < args.Length && args[i + 1].Length > 0:
                    options = options with { Connection = args[++i] };
                    break;
                case "--only" when i + 1 < args.Length && TryParsePhases(args[i + 1], out var phases):
                    options = options with { OnlyPhases = phases };
                    i++;
                    break;
                case "--help" or "-h":
                    return false;
                default:
                    problem = $"unknown or incomplete option '{args[i]}' (--events needs a whole number of at least 1000, --only a list of phase numbers 1-7)";
                    return false;
            }
        }

        options = options with { Events = events ?? (options.Quick ? QuickEvents : DefaultEvents) };
        return true;
    }

    private static bool TryParsePhases(string text, out IReadOnlySet<int> phases)
    {
        var set = new HashSet<int>();
        phases = set;
        foreach (var part in text.Split(','))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 7)
            {
                return false;
            }

            set.Add(n);
        }

        return set.Count > 0;
    }
}

/// <summary>The run cannot go on (setup failed, the service died); the message says why.</summary>
internal sealed class BenchException : Exception
{
    public BenchException()
    {
    }

    public BenchException(string message)
        : base(message)
    {
    }

    public BenchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
