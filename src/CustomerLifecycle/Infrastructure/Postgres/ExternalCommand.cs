using System.Diagnostics;
using System.Text;

namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>What an external command printed and how it ended.</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Both streams, for error messages.</summary>
    public string Output => string.Join(Environment.NewLine, new[] { StandardOutput.Trim(), StandardError.Trim() }.Where(s => s.Length > 0));
}

/// <summary>
/// Runs a program with an argument list (never a shell string, so paths need no quoting), captures both
/// streams and kills it if it outlives its timeout.
/// </summary>
internal static class ExternalCommand
{
    public static async Task<CommandResult> RunAsync(
        string fileName, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct = default)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The server user may not be able to enter our current folder (e.g. /root), which makes
            // initdb and pg_ctl complain; "/" is always reachable.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Plain English messages whatever the machine's locale (we look for "Address already in use"),
        // and no locale warnings when the configured one is not installed.
        startInfo.Environment["LC_ALL"] = "C";
        startInfo.Environment["LANG"] = "C";

        var commandLine = fileName + " " + string.Join(' ', arguments);
        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PrivatePostgresException($"Could not run {commandLine}: {e.Message}", e);
        }

        // Nothing we run reads input; closing stdin makes any unexpected prompt fail instead of hang.
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            ct.ThrowIfCancellationRequested();
            throw new PrivatePostgresException(
                $"{commandLine} did not finish within {timeout.TotalSeconds:0} s and was killed. Output so far:{Environment.NewLine}"
                + await PartialOutputAsync(stdout, stderr).ConfigureAwait(false));
        }

        return new CommandResult(
            commandLine, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended on its own in the meantime.
        }
    }

    private static async Task<string> PartialOutputAsync(Task<string> stdout, Task<string> stderr)
    {
        var text = new StringBuilder();
        foreach (var stream in new[] { stdout, stderr })
        {
            // The streams close once the killed process is gone; don't wait forever if a grandchild holds them.
            if (await Task.WhenAny(stream, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false) == stream)
            {
                text.AppendLine((await stream.ConfigureAwait(false)).Trim());
            }
        }

        return text.ToString().Trim();
    }
}
