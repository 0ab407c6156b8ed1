using System.Globalization;
using System.Text.RegularExpressions;

namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>The folder holding the PostgreSQL server programs we use.</summary>
internal sealed partial record PostgresBinaries(string BinDirectory)
{
    public const string DebianRoot = "/usr/lib/postgresql";

    public string InitDb => Path.Combine(BinDirectory, "initdb");

    public string PgCtl => Path.Combine(BinDirectory, "pg_ctl");

    /// <summary>
    /// Finds the binaries: an explicit folder (options, then <see cref="PrivatePostgresOptions.BinDirectoryEnvironmentVariable"/>)
    /// is used as given and fails if wrong, so a typo is not silently replaced by another version. Otherwise the
    /// newest &lt;searchRoot&gt;/N/bin (preferring <paramref name="preferredMajor"/>, the version an existing data folder
    /// was made with), then PATH.
    /// </summary>
    public static PostgresBinaries Locate(
        string? configured, string? environment, string searchRoot, string? pathVariable, int? preferredMajor)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Explicit(configured, "PrivatePostgresOptions.BinDirectory");
        }

        if (!string.IsNullOrWhiteSpace(environment))
        {
            return Explicit(environment, PrivatePostgresOptions.BinDirectoryEnvironmentVariable);
        }

        var versioned = (Directory.Exists(searchRoot) ? Directory.GetDirectories(searchRoot) : [])
            .Select(dir => (Major: int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : -1,
                            Bin: Path.Combine(dir, "bin")))
            .Where(candidate => candidate.Major > 0 && HasServerPrograms(candidate.Bin))
            .OrderByDescending(candidate => candidate.Major == preferredMajor)
            .ThenByDescending(candidate => candidate.Major)
            .Select(candidate => candidate.Bin)
            .FirstOrDefault();
        if (versioned is not null)
        {
            return new PostgresBinaries(versioned);
        }

        var onPath = (pathVariable ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(HasServerPrograms);
        return onPath is not null
            ? new PostgresBinaries(onPath)
            : throw new PrivatePostgresException(
                $"PostgreSQL server binaries (initdb, pg_ctl) were not found in {searchRoot}/*/bin or on PATH. " + InstallAdvice);
    }

    /// <summary>What to do when the binaries are missing; every "not found" message ends with it.</summary>
    public const string InstallAdvice =
        "Install them (Debian/Ubuntu: apt-get install postgresql-15; Fedora: dnf install postgresql-server) "
        + "or point the service at your own server by setting ConnectionStrings__Marten, "
        + "or run `docker compose up -d postgres` and set ConnectionStrings__Marten=Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=customer_lifecycle";

    /// <summary>The major version, from <c>pg_ctl --version</c> ("pg_ctl (PostgreSQL) 15.18 ...").</summary>
    public async Task<int> GetMajorVersionAsync(CancellationToken ct)
    {
        // --version is answered before pg_ctl's refusal to run as root, so no user switch is needed.
        var result = await ExternalCommand.RunAsync(PgCtl, ["--version"], TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        var match = VersionPattern().Match(result.StandardOutput);
        return result.Succeeded && match.Success
            ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new PrivatePostgresException($"Could not tell the version of {PgCtl}: {result.Output}");
    }

    private static PostgresBinaries Explicit(string folder, string source) =>
        HasServerPrograms(folder)
            ? new PostgresBinaries(Path.GetFullPath(folder))
            : throw new PrivatePostgresException(
                $"PostgreSQL server binaries (initdb, pg_ctl) were not found in {folder} (set by {source}). "
                + $"Point it at a folder such as {DebianRoot}/15/bin, or unset it to search {DebianRoot}/*/bin and PATH. " + InstallAdvice);

    private static bool HasServerPrograms(string folder) =>
        File.Exists(Path.Combine(folder, "initdb")) && File.Exists(Path.Combine(folder, "pg_ctl"));

    [GeneratedRegex(@"\(PostgreSQL\) (\d+)")]
    private static partial Regex VersionPattern();
}
