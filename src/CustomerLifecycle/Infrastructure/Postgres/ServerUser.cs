namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>
/// The OS user the server runs as. PostgreSQL refuses to run as root, so when we are root every server
/// command runs as the <c>postgres</c> user (made by the distribution's package) and the data folder
/// is handed to it; otherwise everything runs as the current user and nothing is switched.
/// </summary>
internal sealed class ServerUser
{
    public const string PostgresUserName = "postgres";

    private static readonly TimeSpan QuickCommandTimeout = TimeSpan.FromSeconds(30);

    // runuser and setpriv are both in util-linux (Debian: essential); su is the last resort.
    private static readonly string[] Switchers =
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/usr/bin/setpriv", "/bin/setpriv", "/usr/bin/su", "/bin/su"];

    private readonly string? switcher;

    private ServerUser(string? switcher) => this.switcher = switcher;

    /// <summary>True when commands are switched to the postgres user (we are root).</summary>
    public bool IsSwitched => switcher is not null;

    public static async Task<ServerUser> DetectAsync(CancellationToken ct)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return new ServerUser(null);
        }

        var switcher = Switchers.FirstOrDefault(File.Exists)
            ?? throw new PrivatePostgresException(
                "We run as root and PostgreSQL refuses to run as root, but none of runuser, setpriv or su was found to run it as the "
                + $"'{PostgresUserName}' user. Install util-linux, or run as an ordinary user.");

        var id = await ExternalCommand.RunAsync("id", ["-u", PostgresUserName], QuickCommandTimeout, ct).ConfigureAwait(false);
        if (!id.Succeeded)
        {
            throw new PrivatePostgresException(
                $"We run as root and PostgreSQL refuses to run as root, so the server must run as the OS user '{PostgresUserName}', which does not exist. "
                + "Installing the PostgreSQL server package creates it (Debian/Ubuntu: apt-get install postgresql-15); "
                + $"or create it: useradd --system --create-home --home-dir /var/lib/postgresql {PostgresUserName}");
        }

        return new ServerUser(switcher);
    }

    /// <summary>Runs a program as the server user.</summary>
    public Task<CommandResult> RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken ct)
    {
        var (fileName, wrapped) = Wrap(program, arguments);
        return ExternalCommand.RunAsync(fileName, wrapped, timeout, ct);
    }

    /// <summary>The program and arguments that run <paramref name="program"/> as the server user.</summary>
    public (string FileName, List<string> Arguments) Wrap(string program, IReadOnlyList<string> arguments)
    {
        if (switcher is null)
        {
            return (program, [.. arguments]);
        }

        List<string> wrapped = Path.GetFileName(switcher) switch
        {
            "runuser" => ["-u", PostgresUserName, "--", program],
            "setpriv" => ["--reuid=" + PostgresUserName, "--regid=" + PostgresUserName, "--init-groups", "--", program],
            // su only takes a command string; pass the program and its arguments as the shell's "$@" so nothing is re-parsed.
            _ => ["-s", "/bin/sh", PostgresUserName, "-c", "exec \"$@\"", "sh", program],
        };
        wrapped.AddRange(arguments);
        return (switcher, wrapped);
    }

    /// <summary>Hands files or folders we (root) wrote to the server user, which must own the data folder.</summary>
    public async Task GiveAsync(IReadOnlyList<string> paths, CancellationToken ct)
    {
        if (switcher is null || paths.Count == 0)
        {
            return;
        }

        var chown = await ExternalCommand.RunAsync(
            "chown", [PostgresUserName + ":", .. paths], QuickCommandTimeout, ct).ConfigureAwait(false);
        if (!chown.Succeeded)
        {
            throw new PrivatePostgresException($"Could not give {string.Join(", ", paths)} to the '{PostgresUserName}' user: {chown.Output}");
        }
    }

    /// <summary>
    /// Fails clearly if the server user cannot reach <paramref name="folder"/>: every folder above the data
    /// folder must be enterable by it (a data folder under /root, mode 700, is not).
    /// </summary>
    public async Task EnsureCanEnterAsync(string folder, CancellationToken ct)
    {
        if (switcher is null)
        {
            return;
        }

        var test = await RunAsync("test", ["-x", folder], QuickCommandTimeout, ct).ConfigureAwait(false);
        if (test.Succeeded)
        {
            return;
        }

        // Name the folder that blocks it, judged by its "others" bits (the postgres user is rarely its owner or in its group).
        var blocking = folder;
        for (var dir = new DirectoryInfo(folder); dir is not null; dir = dir.Parent)
        {
            if (dir.Exists && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(dir.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                blocking = dir.FullName;
            }
        }

        throw new PrivatePostgresException(
            $"We run as root, so the PostgreSQL server runs as the '{PostgresUserName}' user, which cannot enter {folder} "
            + $"({blocking} is not enterable by other users). Put the data folder somewhere it can reach (e.g. under /tmp or /var/lib), "
            + $"or allow it: chmod o+x {blocking}");
    }
}
