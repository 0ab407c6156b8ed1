using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CustomerLifecycle.Infrastructure.CommandLine;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Infrastructure;

/// <summary>The command line as a user meets it: the real executable, its output and its exit code.</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData(new string[0], true)]
    [InlineData(new[] { "help" }, false)]
    [InlineData(new[] { "?" }, false)]
    [InlineData(new[] { "help", "import-transactions" }, false)]
    [InlineData(new[] { "import-transactions", "--help" }, false)]
    [InlineData(new[] { "import-transactions", "log.txt", "--source", "cdnow", "--currency", "USD" }, false)]
    [InlineData(new[] { "import-transactions", "log.txt", "--source", "cdnow", "--currency", "USD", "--direct" }, true)]
    [InlineData(new[] { "codegen", "write" }, true)]
    public void Only_commands_that_touch_the_store_need_the_database(string[] args, bool needed) =>
        Assert.Equal(needed, ServiceCommandLine.NeedsDatabase(args));

    [Fact]
    public async Task Help_needs_no_database_prints_no_discovery_noise_and_exits_zero()
    {
        var data = Path.Combine(Path.GetTempPath(), $"cl-help-{Guid.NewGuid():N}");

        var (exit, output, errors) = await RunAsync(data, "help");

        Assert.True(exit == 0, $"exit {exit}: {output} {errors}");
        Assert.Contains("import-transactions", output, StringComparison.Ordinal);
        Assert.DoesNotContain("for commands", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(data), "help must not start the private PostgreSQL");
    }

    [Fact]
    public async Task An_import_with_no_service_running_is_one_line_on_stderr_and_exit_code_one()
    {
        var data = Path.Combine(Path.GetTempPath(), $"cl-import-{Guid.NewGuid():N}");
        var log = Path.GetTempFileName();
        await File.WriteAllTextAsync(log, " 00001 19970101  1   11.77\n");
        try
        {
            var (exit, output, errors) = await RunAsync(data, "import-transactions", log, "--source", "cdnow", "--currency", "USD", "--url", "http://127.0.0.1:9");

            Assert.True(exit == ServiceCommandLine.CommandFailed, $"exit {exit}: {output} {errors}");
            var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("import-transactions: no service answers at http://127.0.0.1:9", line, StringComparison.Ordinal);
            Assert.False(Directory.Exists(data));
        }
        finally
        {
            File.Delete(log);
        }
    }

    [Fact]
    public async Task A_relative_path_is_read_from_the_callers_folder()
    {
        var folder = Directory.CreateTempSubdirectory("cl-caller-").FullName;
        try
        {
            var (exit, _, errors) = await RunFromAsync(folder, Path.Combine(folder, "data"), "import-transactions", "missing.txt", "--source", "cdnow", "--currency", "USD");

            Assert.Equal(ServiceCommandLine.CommandFailed, exit);
            Assert.Equal($"import-transactions: file '{Path.Combine(folder, "missing.txt")}' does not exist", errors.Trim());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_taken_port_is_one_line_on_stderr_no_stack_trace_and_exit_code_two()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        var database = await TestPostgres.CreateDatabaseAsync("port");
        try
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "CustomerLifecycle.dll"), "--urls", address])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = AppContext.BaseDirectory,
            };
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["DOTNET_ENVIRONMENT"] = "Production";
            start.Environment["ConnectionStrings__Marten"] = database;
            start.Environment["Auth__ApiKeys__0__Sha256"] = ApiKeyAuthenticationHandler.Hash(TestKeys.All);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);

            Assert.True(process.ExitCode == ServiceCommandLine.StartFailed, $"exit code {process.ExitCode}; stderr: {await errors}; stdout: {await output}");
            var lines = (await errors).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith("customer-lifecycle: cannot start: ", lines[0], StringComparison.Ordinal);
            Assert.Contains("Is the service already running?", lines[0], StringComparison.Ordinal);
            var logged = await output;
            Assert.DoesNotContain("Hosting failed to start", logged, StringComparison.Ordinal);
            Assert.True(!logged.Contains("   at ", StringComparison.Ordinal), logged);
        }
        finally
        {
            await TestPostgres.DropDatabaseAsync(database);
        }
    }

    private static Task<(int Exit, string Output, string Errors)> RunAsync(string dataDirectory, params string[] args) =>
        RunFromAsync(AppContext.BaseDirectory, dataDirectory, args);

    /// <summary>Runs the service's executable as a user would, from <paramref name="callerFolder"/> (the shell's PWD).</summary>
    private static async Task<(int Exit, string Output, string Errors)> RunFromAsync(string callerFolder, string dataDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CustomerLifecycle.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["PWD"] = callerFolder;
        start.Environment["PrivatePostgres__DataDirectory"] = dataDirectory;
        start.Environment.Remove("ConnectionStrings__Marten");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return (-1, await output, "timed out; stderr: " + await errors);
        }

        return (process.ExitCode, await output, await errors);
    }
}
