using System.Diagnostics;

namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>
/// A tiny process that stops the server once our process is gone, however it went.
/// </summary>
/// <remarks>
/// pg_ctl detaches the server (its own session), so it outlives us. AppDomain.ProcessExit only runs when
/// Main returns or Environment.Exit is called: not on SIGINT/SIGTERM in a plain console app (checked on .NET 10)
/// nor on SIGKILL, which is how a debugger's "stop" and a test runner's abort end us.
/// The watchdog is flock(1) waiting for the data folder's lock, which we hold while we live; the kernel drops
/// our lock when we die, flock takes it and runs pg_ctl stop while holding it, so a process starting on the same
/// data folder at that moment waits for the stop (<see cref="PrivatePostgresOptions.LockTimeout"/>) and then starts
/// afresh rather than adopting a server about to be stopped. It runs in a session of its own (setsid), so a Ctrl-C
/// in the terminal does not reach it. We kill it when we stop the server ourselves, before we release the lock.
/// </remarks>
internal sealed class ServerWatchdog : IDisposable
{
    private const string Flock = "/usr/bin/flock";
    private const string Setsid = "/usr/bin/setsid";

    // $1: lock file, then the stop command. Output goes nowhere: nobody is left to read it.
    private const string Script = """
        exec </dev/null >/dev/null 2>&1
        lock=$1; shift
        exec /usr/bin/flock "$lock" "$@"
        """;

    private readonly Process process;

    private ServerWatchdog(Process process) => this.process = process;

    /// <summary>Starts the watchdog, or returns null where flock(1) (util-linux) is missing: then only ProcessExit is left.</summary>
    public static ServerWatchdog? Start(string lockFile, string stopProgram, IReadOnlyList<string> stopArguments)
    {
        if (!File.Exists(Flock))
        {
            return null;
        }

        // setsid forks only when started as a process group leader, which a child of ours is not: it execs in place,
        // so the pid we hold stays the watchdog's (sh then execs flock).
        var startInfo = new ProcessStartInfo(File.Exists(Setsid) ? Setsid : "/bin/sh")
        {
            // Pipes rather than our own streams: a child holding a test runner's stdout would keep it waiting.
            // The script points them at /dev/null at once, and we close our ends.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        if (startInfo.FileName == Setsid)
        {
            startInfo.ArgumentList.Add("/bin/sh");
        }

        foreach (var argument in new[] { "-c", Script, "private-postgres-watchdog", lockFile, stopProgram }.Concat(stopArguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new PrivatePostgresException("Could not start the server watchdog (/bin/sh).");
        process.StandardInput.Close();
        process.StandardOutput.Close();
        process.StandardError.Close();
        return new ServerWatchdog(process);
    }

    public void Dispose()
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }
}
