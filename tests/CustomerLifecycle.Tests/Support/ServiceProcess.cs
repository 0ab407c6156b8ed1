using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CustomerLifecycle.Infrastructure.Security;

namespace CustomerLifecycle.Tests.Support;

/// <summary>
/// The built service (CustomerLifecycle.dll beside the tests) run as a child process in Production, as it is deployed,
/// against a test database: for what only a real process shows (signals, exit codes).
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder log = new();

    private ServiceProcess(Process process, Uri address)
    {
        this.process = process;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", TestKeys.All);
    }

    public HttpClient Client { get; }

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    public static async Task<ServiceProcess> StartAsync(string connectionString, IReadOnlyDictionary<string, string>? settings = null)
    {
        var address = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CustomerLifecycle.dll"), "--urls", address.GetLeftPart(UriPartial.Authority)])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Marten"] = connectionString;
        start.Environment["Auth__ApiKeys__0__Name"] = "shutdown-tests";
        start.Environment["Auth__ApiKeys__0__Sha256"] = ApiKeyAuthenticationHandler.Hash(TestKeys.All);
        for (var i = 0; i < Scopes.All.Length; i++)
        {
            start.Environment[$"Auth__ApiKeys__0__Scopes__{i}"] = Scopes.All[i];
        }

        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var service = new ServiceProcess(Process.Start(start)!, address);
        service.process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service.process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service.process.BeginOutputReadLine();
        service.process.BeginErrorReadLine();
        await service.WaitUntilReadyAsync(TimeSpan.FromMinutes(2));
        return service;
    }

    /// <summary>Sends SIGINT (what Ctrl-C sends) and waits up to <paramref name="patience"/>; returns the exit code, or null if still running.</summary>
    public async Task<int?> InterruptAsync(TimeSpan patience)
    {
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
            return process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public int Pid => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>SIGKILL: the process dies at once, without telling the cluster it leaves (kill -9).</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        Client.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {process.ExitCode}:{Environment.NewLine}{Log}");
            }

            try
            {
                using var response = await Client.GetAsync(new Uri("/health/ready", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        throw new InvalidOperationException($"The service was not ready within {timeout.TotalSeconds:0} s:{Environment.NewLine}{Log}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
