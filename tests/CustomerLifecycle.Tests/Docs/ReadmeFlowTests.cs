using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomerLifecycle.Tests.Analytics.Models;
using CustomerLifecycle.Tests.Support;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Docs;

/// <summary>
/// The README's "Run it" section, run as a newcomer runs it: the service started as written (the built executable,
/// a fresh private PostgreSQL, the Development key), then every command of every code block in order, each answer
/// checked. Only the address and the CDNOW file differ: a free port, and the first 3,000 lines of CDNOW_master.txt.
/// A command this test does not know how to check fails it, so the README cannot grow an unchecked step.
/// </summary>
public sealed partial class ReadmeFlowTests(ITestOutputHelper output)
{
    private const string StartCommand = "dotnet run --project src/CustomerLifecycle";
    private const int SliceLines = 3_001;

    [Fact]
    public async Task The_run_it_section_works_verbatim_against_the_running_service()
    {
        var blocks = CodeBlocks(Section(await File.ReadAllTextAsync(Path.Combine(RepositoryRoot.Path, "README.md")), "## Run it"));
        Assert.Equal(StartCommand, Assert.Single(blocks[0]));
        var folder = Directory.CreateTempSubdirectory("cl-readme-").FullName;
        var port = FreePort();
        await File.WriteAllLinesAsync(Path.Combine(folder, "CDNOW_master.txt"),
            File.ReadLines(Path.Combine(CdnowData.Directory, "CDNOW_master.txt")).Take(SliceLines));
        using var service = StartService(folder, port);
        try
        {
            await WaitUntilUpAsync(service, port);
            foreach (var command in blocks.Skip(1).SelectMany(b => b))
            {
                var (exit, stdout, stderr) = await RunAsync(Adapt(command, port), folder);
                output.WriteLine($"$ {command}{Environment.NewLine}{stdout}{stderr}");
                Assert.True(exit == 0, $"exit {exit} from: {command}{Environment.NewLine}{stdout}{stderr}");
                Check(command, stdout);
            }
        }
        finally
        {
            await StopAsync(service);
            Directory.Delete(folder, recursive: true);
            if (Directory.Exists(DataDirectory(folder)))
            {
                Directory.Delete(DataDirectory(folder), recursive: true);
            }

            File.Delete(DataDirectory(folder) + ".lock");
        }
    }

    /// <summary>What each README command must answer.</summary>
    private static void Check(string command, string stdout)
    {
        if (command.StartsWith("curl -s -X POST localhost:5080/api/touchpoints ", StringComparison.Ordinal))
        {
            Assert.Equal("shop-order-1001", (string)JsonNode.Parse(stdout)!["eventId"]!);
        }
        else if (command.StartsWith("curl -s localhost:5080/api/customers/cust-42/events", StringComparison.Ordinal))
        {
            var stored = Assert.Single(JsonNode.Parse(stdout)!["events"]!.AsArray())!;
            Assert.Equal(("shop-order-1001", "purchase_completed"), ((string)stored["eventId"]!, (string)stored["type"]!));
        }
        else if (command.StartsWith("dotnet run --project src/CustomerLifecycle -- import-transactions CDNOW_master.txt", StringComparison.Ordinal))
        {
            Assert.Contains("  3,000 of 3,000 lines (100 %)", stdout, StringComparison.Ordinal);
            Assert.Matches(@"Imported 3,000 lines from \S+/CDNOW_master.txt: \d[\d,]* accepted, \d+ duplicates \(already recorded\), 0 rejected", stdout);
        }
        else if (command.StartsWith("curl -s -X POST localhost:5080/api/analytics/clv/fits", StringComparison.Ordinal))
        {
            Assert.NotNull(JsonNode.Parse(stdout)!["id"]);
        }
        else if (command.StartsWith("until curl -s localhost:5080/api/analytics/clv/snapshots", StringComparison.Ordinal))
        {
            Assert.Equal("", stdout);
        }
        else if (command.StartsWith("curl -s 'localhost:5080/api/analytics/churn-risk?sort=valueAtRisk&limit=10'", StringComparison.Ordinal))
        {
            var list = JsonNode.Parse(stdout)!;
            Assert.Equal("1997-09-30", (string)list["calibrationEnd"]!);
            var customers = list["customers"]!.AsArray();
            Assert.Equal(10, customers.Count);
            var values = customers.Select(c => (double)c!["valueAtRisk"]!).ToList();
            Assert.Equal(values.OrderDescending(), values);
        }
        else
        {
            Assert.Fail($"The README runs a command this test does not check: {command}");
        }
    }

    /// <summary>The command as run here: the free port instead of 5080, the built executable instead of a rebuild.</summary>
    private static string Adapt(string command, int port)
    {
        var adapted = command.Replace("localhost:5080", $"127.0.0.1:{port}", StringComparison.Ordinal);
        return adapted.StartsWith(StartCommand + " -- ", StringComparison.Ordinal)
            ? $"dotnet {Path.Combine(AppContext.BaseDirectory, "CustomerLifecycle.dll")} {adapted[(StartCommand.Length + 4)..]} --url http://127.0.0.1:{port}"
            : adapted;
    }

    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf(heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no '{heading}' section");
        var end = markdown.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    /// <summary>Each bash block as its commands: a line continued by a trailing backslash or an open quote joins the next.</summary>
    private static List<List<string>> CodeBlocks(string section) =>
        [.. BashBlock().Matches(section).Select(m =>
        {
            var commands = new List<string>();
            var current = "";
            foreach (var line in m.Groups["code"].Value.Split('\n'))
            {
                current = current.Length == 0 ? line : current + "\n" + line;
                if (!current.EndsWith('\\') && current.Count(c => c == '\'') % 2 == 0)
                {
                    if (current.Trim().Length > 0)
                    {
                        commands.Add(current.Trim());
                    }

                    current = "";
                }
            }

            return commands;
        })];

    private static string DataDirectory(string folder) => Path.Combine(RepositoryRoot.DataFolder, "readme-" + Path.GetFileName(folder));

    private Process StartService(string folder, int port)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CustomerLifecycle.dll"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // Under the checkout's .data like every test server: when run as root, the server runs as the postgres user,
        // who cannot enter a private temporary folder.
        start.Environment["PrivatePostgres__DataDirectory"] = DataDirectory(folder);
        start.Environment["Analytics__Clv__RefitInterval"] = "00:00:00";
        start.Environment.Remove("ConnectionStrings__Marten");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => ServiceErrors.Add(e.Data ?? "");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private System.Collections.Concurrent.ConcurrentBag<string> ServiceErrors { get; } = [];

    private async Task WaitUntilUpAsync(Process service, int port)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(service.HasExited, $"the service exited with {(service.HasExited ? service.ExitCode : 0)} while starting: {string.Join(Environment.NewLine, ServiceErrors)}");
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/health/ready")).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500);
        }

        Assert.Fail("the service did not come up within 2 minutes");
    }

    /// <summary>Stops the service as Ctrl+C does, so it stops its private PostgreSQL.</summary>
    private static async Task StopAsync(Process service)
    {
        if (!service.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", service.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await service.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                service.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string command, string folder)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment["PWD"] = folder;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"```bash\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex BashBlock();
}
