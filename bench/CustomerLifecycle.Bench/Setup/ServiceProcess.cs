using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using CustomerLifecycle.Infrastructure.Security;

namespace CustomerLifecycle.Bench.Setup;

/// <summary>
/// The service as production runs it: published in Release, its own process (its own GC, thread pool and memory,
/// which we sample), configured only through environment variables, talked to over loopback HTTP.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;

    private ServiceProcess(Process process, StreamWriter log, Uri baseAddress, string apiKey, string logPath)
    {
        this.process = process;
        this.log = log;
        LogPath = logPath;
        BaseAddress = baseAddress;
        ApiKey = apiKey;
        // Enough connections for the 64-client phase; no proxy, no cookies: only the service's own work is measured.
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        Client = new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
    }

    public int Pid => process.Id;

    public Uri BaseAddress { get; }

    /// <summary>The run's key (all scopes), for a client that signs in with it, as the console's sign-in form does.</summary>
    public string ApiKey { get; }

    public HttpClient Client { get; }

    public string LogPath { get; }

    /// <param name="extra">Settings on top of the bench's own (e.g. Lifecycle__SweepInterval), as environment variables.</param>
    public static async Task<ServiceProcess> StartAsync(
        string repositoryRoot, string connectionString, CancellationToken ct, IReadOnlyDictionary<string, string>? extra = null)
    {
        var benchFolder = Path.Combine(repositoryRoot, ".data", "bench");
        var publishFolder = Path.Combine(benchFolder, "service");
        await PublishAsync(Path.Combine(repositoryRoot, "src", "CustomerLifecycle", "CustomerLifecycle.csproj"), publishFolder, ct);

        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        // A fresh key per run; the service is told only its hash, as in production.
        var apiKey = "bench-" + RandomNumberGenerator.GetHexString(32, lowercase: true);
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = publishFolder, // the content root: appsettings.json is read from here
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(publishFolder, "CustomerLifecycle.dll"), "--urls", baseAddress.GetLeftPart(UriPartial.Authority) })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var environment = startInfo.Environment;
        environment["ConnectionStrings__Marten"] = connectionString;
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["Logging__LogLevel__Default"] = "Warning";
        // Start and stop lines only: if the service stops mid-run, its log says when and whether it was told to.
        environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        environment["Auth__ApiKeys__0__Name"] = "bench";
        environment["Auth__ApiKeys__0__Sha256"] = ApiKeyAuthenticationHandler.Hash(apiKey);
        environment["Auth__ApiKeys__0__Scopes__0"] = "ingest";
        environment["Auth__ApiKeys__0__Scopes__1"] = "read";
        environment["Auth__ApiKeys__0__Scopes__2"] = "operate";
        foreach (var (name, value) in extra ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var logPath = Path.Combine(benchFolder, "service.log");
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var service = new ServiceProcess(process, log, baseAddress, apiKey, logPath);
        try
        {
            var started = Stopwatch.StartNew();
            await service.WaitUntilReadyAsync(TimeSpan.FromMinutes(2), ct);
            Console.WriteLine($"service: pid {service.Pid} at {baseAddress} ready in {started.Elapsed.TotalSeconds:0.0} s (log: {logPath})");
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }

    private static async Task PublishAsync(string project, string folder, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "publish", project, "-c", "Release", "-o", folder, "--nologo", "-v", "quiet" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var publish = Process.Start(startInfo) ?? throw new BenchException("could not run dotnet publish");
        var output = publish.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = publish.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            await publish.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            publish.Kill(entireProcessTree: true);
            throw;
        }

        if (publish.ExitCode != 0)
        {
            throw new BenchException($"dotnet publish {project} failed:{Environment.NewLine}{await output}{await errors}");
        }

        Console.WriteLine($"service: published in Release to {folder} in {started.Elapsed.TotalSeconds:0.0} s");
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new BenchException($"the service exited with code {process.ExitCode} before it was ready:{Environment.NewLine}{LogTail()}");
            }

            try
            {
                using var response = await Client.GetAsync(new Uri("/health/ready", UriKind.Relative), ct);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > timeout)
            {
                throw new BenchException($"the service was not ready (GET /health/ready) within {timeout.TotalSeconds:0} s:{Environment.NewLine}{LogTail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    /// <summary>Throws if the service died, so a phase fails with its log instead of a wall of connection errors.</summary>
    public void EnsureRunning()
    {
        if (process.HasExited)
        {
            // 0 is an orderly shutdown, which only a signal from outside the bench (SIGTERM, SIGINT) starts mid-run.
            var why = process.ExitCode == 0 ? " (an orderly shutdown: another program sent it a signal)" : "";
            throw new BenchException($"the service exited with code {process.ExitCode}{why}; the end of its log:{Environment.NewLine}{LogTail(12)}");
        }
    }

    public string LogTail(int lines = 40)
    {
        lock (log)
        {
            log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().TrimEnd().Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>SIGTERM (the orderly shutdown production gets), then a kill if it is not gone within 20 s.</summary>
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }

        Console.WriteLine($"service: stopped (exit code {process.ExitCode})");
        process.Dispose();
        await log.DisposeAsync();
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
