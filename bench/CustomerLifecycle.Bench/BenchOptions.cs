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

    // Issue 5's scale for queries and the rebuild (phases 6 and 7); --quick uses a fiftieth.
    public const int DefaultLargeCustomers = 1_000_000;
    public const long DefaultLargeEvents = 10_000_000;

    /// <summary>Customers in the history restored for phases 6 and 7.</summary>
    public int LargeCustomers { get; init; } = DefaultLargeCustomers;

    /// <summary>Touchpoints in that history (the lifecycle clock's ticks come on top).</summary>
    public long LargeEvents { get; init; } = DefaultLargeEvents;

    /// <summary>The phases to run (all when null), e.g. only 7 and 6 to try the rebuild at another scale.</summary>
    public IReadOnlySet<int>? Only { get; init; }

    /// <summary>
    /// PostgreSQL settings for the private server, over the sized ones (DataDirectoryFiles.SizedSettings), e.g. to
    /// measure the same code under PostgreSQL's defaults: --server-setting shared_buffers=128MB.
    /// </summary>
    public IReadOnlyDictionary<string, string> ServerSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Leaves the run's database in place (until the next run) to read its plans and tables afterwards.</summary>
    public bool KeepDatabase { get; init; }

    public const string Usage = """
        usage: bench/run [--events N] [--large-customers N] [--large-events N] [--quick] [--connection "<connection string>"] [--server-setting name=value]... [--keep-database]
          --events N            events per bulk measurement (default 100000; single-event measurements use N/10); each stops after 20 s at most
          --large-customers N   customers in the history restored for the rebuild and the queries (phases 7 and 6; default 1000000)
          --large-events N      touchpoints in that history (default 10000000, at least one per customer)
          --quick               smoke run with small N (5000 events, a history of 20000 customers and 200000 touchpoints), about a minute
          --phases 5,7,6        run only these phases (6 and 11 need 7; 10 is the memory-bounds run; 11 renders the console's pages)
          --connection cs       use this PostgreSQL (needs CREATEDB) instead of a private server under .data/bench
          --server-setting n=v  a setting of the private server over the sized ones (repeatable), e.g. jit=off
          --keep-database       do not drop the run's database at the end (the next run drops it), to inspect it
        """;

    private static HashSet<int>? ParsePhases(string text)
    {
        var phases = new HashSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var phase) || phase is < 1 or > 11 or 8)
            {
                return null;
            }

            phases.Add(phase);
        }

        return phases.Count == 0 ? null : phases;
    }

    /// <summary>False with an empty problem for --help.</summary>
    public static bool TryParse(string[] args, out BenchOptions options, out string problem)
    {
        options = new BenchOptions();
        problem = "";
        int? events = null;
        int? largeCustomers = null;
        long? largeEvents = null;
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
                case "--large-customers" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c is >= 100 and <= 9_999_999:
                    largeCustomers = c;
                    i++;
                    break;
                case "--large-events" when i + 1 < args.Length && long.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var e) && e is >= 100 and <= 2_000_000_000:
                    largeEvents = e;
                    i++;
                    break;
                case "--phases" when i + 1 < args.Length && ParsePhases(args[i + 1]) is { } only:
                    options = options with { Only = only };
                    i++;
                    break;
                case "--connection" when i + 1 < args.Length && args[i + 1].Length > 0:
                    options = options with { Connection = args[++i] };
                    break;
                case "--server-setting" when i + 1 < args.Length && args[i + 1].IndexOf('=', StringComparison.Ordinal) is > 0 and var at:
                    options = options with
                    {
                        ServerSettings = new Dictionary<string, string>(options.ServerSettings) { [args[i + 1][..at]] = args[i + 1][(at + 1)..] },
                    };
                    i++;
                    break;
                case "--keep-database":
                    options = options with { KeepDatabase = true };
                    break;
                case "--help" or "-h":
                    return false;
                default:
                    problem = $"unknown or incomplete option '{args[i]}' (--events needs a whole number of at least 1000, --large-customers 100 to 9999999, --large-events at least 100, --phases numbers 1 to 7, 9, 10 and 11 separated by commas (8, memory, is printed by every run), --server-setting name=value)";
                    return false;
            }
        }

        options = options with
        {
            Events = events ?? (options.Quick ? QuickEvents : DefaultEvents),
            LargeCustomers = largeCustomers ?? (options.Quick ? DefaultLargeCustomers / 50 : DefaultLargeCustomers),
            LargeEvents = largeEvents ?? (options.Quick ? DefaultLargeEvents / 50 : DefaultLargeEvents),
        };
        if (options.Connection is not null && options.ServerSettings.Count > 0)
        {
            problem = "--server-setting applies to the private server only: set your own server's settings there";
            return false;
        }

        if (options.LargeEvents < options.LargeCustomers)
        {
            problem = $"--large-events ({options.LargeEvents}) must be at least --large-customers ({options.LargeCustomers}): every customer has a first touch";
            return false;
        }

        return true;
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
