using System.Globalization;
using CustomerLifecycle.Analytics.Models;

namespace CustomerLifecycle.Tests.Analytics.Models;

/// <summary>
/// Locates and loads the CDNOW benchmark files in place (shared/data/cdnow beside or above the checkout),
/// with the calendar of Fader, Hardie &amp; Lee (2005) as described in the data README.
/// </summary>
internal static class CdnowData
{
    private static readonly Lazy<string> LocatedDirectory = new(Locate);
    private static readonly Lazy<IReadOnlyList<CdnowTransaction>> SampleTransactions = new(() => Read("CDNOW_sample.txt"));

    /// <summary>Names the CDNOW folder explicitly; otherwise it is searched for above the test assembly.</summary>
    public const string DirectoryVariable = "CUSTOMERLIFECYCLE_CDNOW_DATA";

    /// <summary>The folder holding the CDNOW files.</summary>
    public static string Directory => LocatedDirectory.Value;

    /// <summary>Calibration: purchases from 1997-01-01 through 1997-09-30, time in weeks.</summary>
    public static SummaryPeriod Calibration { get; } = new(new DateOnly(1997, 1, 1), new DateOnly(1997, 9, 30));

    /// <summary>The holdout runs to 1998-06-30, 39 weeks after calibration ends.</summary>
    public static DateOnly HoldoutEnd { get; } = new(1998, 6, 30);

    public static double HoldoutWeeks => Calibration.Between(Calibration.CalibrationEnd, HoldoutEnd);

    public static IReadOnlyList<CdnowTransaction> Sample => SampleTransactions.Value;

    public static IReadOnlyList<CdnowTransaction> Read(string fileName)
    {
        using var reader = File.OpenText(Path.Combine(Directory, fileName));
        return CdnowTransactionLog.Parse(reader).ToList();
    }

    public static IReadOnlyList<CustomerPurchaseSummary> SampleCalibrationSummary() =>
        PurchaseSummary.Build(Sample.Select(t => t.ToTransaction()), Calibration);

    /// <summary>cdnow_customers_summary.csv rows: (ID, frequency, recency, T).</summary>
    public static IReadOnlyList<(string Id, CustomerSummary Summary)> PublishedSummary() =>
        File.ReadLines(Path.Combine(Directory, "cdnow_customers_summary.csv"))
            .Skip(1)
            .Select(line => line.Split(','))
            .Select(fields => (fields[0], new CustomerSummary(
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                double.Parse(fields[2], CultureInfo.InvariantCulture),
                double.Parse(fields[3], CultureInfo.InvariantCulture))))
            .ToList();

    /// <summary>
    /// Walks up from the test assembly, checking &lt;dir&gt;/shared/data/cdnow and &lt;dir&gt;/../shared/data/cdnow at each
    /// level, so it works from any checkout inside the repository or with shared/ beside the checkout.
    /// </summary>
    private static string Locate()
    {
        // A checkout elsewhere (a git worktree under /tmp, say) has no shared/ above it: name the folder instead.
        if (Environment.GetEnvironmentVariable(DirectoryVariable) is { Length: > 0 } configured)
        {
            return System.IO.Directory.Exists(configured)
                ? Path.GetFullPath(configured)
                : throw new DirectoryNotFoundException($"{DirectoryVariable} names '{configured}', which does not exist.");
        }

        var relative = Path.Combine("shared", "data", "cdnow");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, relative), Path.Combine(dir.FullName, "..", relative) })
            {
                if (System.IO.Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"CDNOW data not found: no shared/data/cdnow in or beside any folder above {AppContext.BaseDirectory}. "
            + $"Clone the repository with its shared/ folder next to it, or set {DirectoryVariable}.");
    }
}
