using System.Diagnostics;
using System.Globalization;
using System.Text;
using CustomerLifecycle.DemoData.Generation;
using CustomerLifecycle.DemoData.Posting;

namespace CustomerLifecycle.DemoData;

/// <summary>The command line: what to generate and where it goes (a running service, a JSONL file, or nowhere).</summary>
internal sealed record DemoDataOptions(DemoSettings Settings, Uri Url, string Key, bool DryRun, string? OutFile)
{
    public const string Usage = """
        Generates a year of customer journeys and posts them to a running CustomerLifecycle service.

          dotnet run --project src/CustomerLifecycle.DemoData -- [options]

          --customers N   people acquired through channels (default 5000; the friends they refer come on top)
          --seed N        random seed (default 42); the same seed and options give the same touchpoints and event ids
          --until DATE    the year ends at 00:00 UTC of DATE, yyyy-MM-dd (default: today, UTC)
          --url URL       the service (default http://localhost:5080)
          --key KEY       API key with the ingest scope (default dev-key-change-me, the Development key)
          --dry-run       print the summary only
          --out FILE      write the touchpoints to FILE as JSON lines instead of posting them
        """;

    /// <summary>Reads the arguments; today is only the default of --until.</summary>
    public static (DemoDataOptions? Options, string? Error) Parse(IReadOnlyList<string> args, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(args);
        int customers = DemoSettings.DefaultCustomers, seed = DemoSettings.DefaultSeed;
        var until = today;
        var url = "http://localhost:5080";
        var key = "dev-key-change-me";
        var dryRun = false;
        string? outFile = null;
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inline) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], null);
            string Value() => inline ?? (i + 1 < args.Count ? args[++i] : throw new FormatException("needs a value"));
            try
            {
                switch (name)
                {
                    case "--customers": customers = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture); break;
                    case "--seed": seed = int.Parse(Value(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture); break;
                    case "--until": until = DateOnly.ParseExact(Value(), "yyyy-MM-dd", CultureInfo.InvariantCulture); break;
                    case "--url": url = Value(); break;
                    case "--key": key = Value(); break;
                    case "--out": outFile = Value(); break;
                    case "--dry-run": dryRun = true; break;
                    case "--help" or "-h": return (null, null);
                    default: return (null, $"unknown option {args[i]}");
                }
            }
            catch (Exception ex) when (ex is FormatException or OverflowException)
            {
                return (null, $"{name}: {ex.Message}");
            }
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            return (null, $"--url: '{url}' is not an http(s) address");
        }

        return dryRun && outFile is not null
            ? (null, "--dry-run and --out exclude each other")
            : (new DemoDataOptions(new DemoSettings(customers, seed, until), uri, key, dryRun, outFile), null);
    }
}

internal static class DemoDataCommand
{
    public static async Task<int> RunAsync(DemoDataOptions options, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        var clock = Stopwatch.StartNew();
        var data = DemoDataGenerator.Generate(options.Settings);
        DemoSummary.Of(data).WriteTo(output);
        output.WriteLine(Invariant($"\nGenerated in {clock.Elapsed.TotalSeconds:0.0} s."));
        if (options.DryRun)
        {
            return 0;
        }

        if (options.OutFile is { } path)
        {
            await WriteJsonLinesAsync(data.Touchpoints, path, ct);
            output.WriteLine(Invariant($"Wrote {data.Touchpoints.Count:N0} touchpoints to {path}."));
            return 0;
        }

        using var client = new HttpClient { BaseAddress = options.Url, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add("X-Api-Key", options.Key);
        clock.Restart();
        output.WriteLine(Invariant($"Posting to {options.Url} in batches of 500…"));
        var report = await new TouchpointPoster(client).PostAsync(data.Touchpoints, r =>
        {
            if (r.Batches % 20 == 0 || r.Sent == r.Total)
            {
                output.WriteLine(Invariant($"  {r.Sent,9:N0} / {r.Total:N0}  accepted {r.Accepted:N0}, duplicates {r.Duplicates:N0}  ({clock.Elapsed.TotalSeconds:0.0} s)"));
            }
        }, ct);
        return Report(report, options, clock.Elapsed, output);
    }

    private static int Report(PostReport report, DemoDataOptions options, TimeSpan elapsed, TextWriter output)
    {
        var rate = report.Sent / Math.Max(elapsed.TotalSeconds, 0.001);
        output.WriteLine(Invariant(
            $"Posted {report.Sent:N0} of {report.Total:N0} touchpoints in {report.Batches:N0} batches and {elapsed.TotalSeconds:0.0} s ({rate:N0}/s): {report.Accepted:N0} accepted, {report.Duplicates:N0} duplicates, {report.Retries:N0} retries."));
        if (report.Rejected.Count > 0)
        {
            output.WriteLine(Invariant($"Stopped: {report.Rejected.Count:N0} touchpoints were rejected. Generated data must be valid, so this is a bug in the generator (or the service's rules changed):"));
            foreach (var item in report.Rejected.Take(20))
            {
                var errors = item.Errors is null ? "" : string.Join("; ", item.Errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));
                output.WriteLine(Invariant($"  #{item.Index} {item.EventId} {item.Reason} {errors}"));
            }

            return 1;
        }

        if (report.Failure is not null)
        {
            output.WriteLine($"Stopped: {report.Failure}");
            return 1;
        }

        output.WriteLine($"The lifecycle views catch up in the background; then: curl -s {new Uri(options.Url, "/api/lifecycle/stages")} -H 'X-Api-Key: {options.Key}'");
        return 0;
    }

    private static async Task WriteJsonLinesAsync(IEnumerable<GeneratedTouchpoint> touchpoints, string path, CancellationToken ct)
    {
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { NewLine = "\n" };
        foreach (var touchpoint in touchpoints)
        {
            await writer.WriteLineAsync(touchpoint.Json.AsMemory(), ct);
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
