using CustomerLifecycle.Infrastructure.Postgres;

namespace CustomerLifecycle.Tests.Infrastructure.Postgres;

/// <summary>Where the binaries are looked for, on fake bin folders (empty files named initdb and pg_ctl).</summary>
public sealed class PostgresBinariesTests : IDisposable
{
    private readonly TestDataFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void NoBinariesAnywhereGivesTheInstallMessage()
    {
        var emptyRoot = Folder("empty-root");

        var error = Assert.Throws<PrivatePostgresException>(
            () => PostgresBinaries.Locate(null, null, emptyRoot, pathVariable: Folder("empty-path"), preferredMajor: null));

        Assert.Equal(
            $"PostgreSQL server binaries (initdb, pg_ctl) were not found in {emptyRoot}/*/bin or on PATH. "
            + "Install them (Debian/Ubuntu: apt-get install postgresql-15; Fedora: dnf install postgresql-server) "
            + "or point the service at your own server by setting ConnectionStrings__Marten, "
            + "or run `docker compose up -d postgres` and set ConnectionStrings__Marten=Host=localhost;Port=5432;Username=postgres;Password=postgres;Database=customer_lifecycle",
            error.Message);
    }

    [Fact]
    public void BogusFolderInTheEnvironmentVariableFailsNamingItInsteadOfSearching()
    {
        var root = FakeVersions(15);

        var error = Assert.Throws<PrivatePostgresException>(
            () => PostgresBinaries.Locate(null, "/nonexistent/pg/bin", root, pathVariable: null, preferredMajor: null));

        Assert.Contains("/nonexistent/pg/bin", error.Message, StringComparison.Ordinal);
        Assert.Contains(PrivatePostgresOptions.BinDirectoryEnvironmentVariable, error.Message, StringComparison.Ordinal);
        Assert.EndsWith(PostgresBinaries.InstallAdvice, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OptionWinsOverTheEnvironmentVariable()
    {
        var root = FakeVersions(14, 16);

        var found = PostgresBinaries.Locate(Path.Combine(root, "14", "bin"), Path.Combine(root, "16", "bin"), root, null, null);

        Assert.Equal(Path.Combine(root, "14", "bin"), found.BinDirectory);
    }

    [Theory]
    [InlineData(null, "16")]
    [InlineData(14, "14")]
    [InlineData(13, "16")]
    public void SearchPrefersTheDataFolderVersionThenTheNewest(int? dataFolderMajor, string expected)
    {
        var root = FakeVersions(9, 14, 16);
        Directory.CreateDirectory(Path.Combine(root, "17", "bin")); // no programs in it: ignored

        var found = PostgresBinaries.Locate(null, null, root, null, dataFolderMajor);

        Assert.Equal(Path.Combine(root, expected, "bin"), found.BinDirectory);
    }

    [Fact]
    public void FallsBackToPath()
    {
        var onPath = Path.Combine(FakeVersions(15), "15", "bin");

        var found = PostgresBinaries.Locate(null, null, Folder("empty-root"), $"/nonexistent:{onPath}", null);

        Assert.Equal(onPath, found.BinDirectory);
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(folder.Folder, name)).FullName;

    private string FakeVersions(params int[] majors)
    {
        var root = Folder("lib-" + string.Join('-', majors));
        foreach (var major in majors)
        {
            var bin = Directory.CreateDirectory(Path.Combine(root, major.ToString(System.Globalization.CultureInfo.InvariantCulture), "bin")).FullName;
            File.WriteAllText(Path.Combine(bin, "initdb"), string.Empty);
            File.WriteAllText(Path.Combine(bin, "pg_ctl"), string.Empty);
        }

        return root;
    }
}

[CollectionDefinition(nameof(ProcessEnvironmentGroup), DisableParallelization = true)]
public sealed class ProcessEnvironmentGroup;

/// <summary>Changes a process-wide environment variable, so it runs after all parallel tests, alone.</summary>
[Collection(nameof(ProcessEnvironmentGroup))]
public sealed class BinDirectoryEnvironmentVariableTests : IDisposable
{
    private readonly TestDataFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public async Task StartWithABogusEnvironmentVariableFailsWithInstallInstructions()
    {
        var name = PrivatePostgresOptions.BinDirectoryEnvironmentVariable;
        var before = Environment.GetEnvironmentVariable(name);
        Environment.SetEnvironmentVariable(name, "/nonexistent/pg/bin");
        try
        {
            var error = await Assert.ThrowsAsync<PrivatePostgresException>(
                () => PrivatePostgres.StartAsync(new PrivatePostgresOptions { DataDirectory = folder.DataDirectory, Durable = false }));

            Assert.Contains("/nonexistent/pg/bin", error.Message, StringComparison.Ordinal);
            Assert.Contains(name, error.Message, StringComparison.Ordinal);
            Assert.Contains("apt-get install postgresql-15", error.Message, StringComparison.Ordinal);
            Assert.Contains("ConnectionStrings__Marten=Host=localhost;Port=5432", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(name, before);
        }
    }
}
