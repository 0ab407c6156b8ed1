namespace CustomerLifecycle.Tests.Infrastructure.Postgres;

/// <summary>
/// A fresh folder under /tmp for one test's cluster (every folder above it is enterable by the postgres user,
/// which runs the server when tests run as root), deleted with everything in it afterwards.
/// The data folder is a child, so its lock file and initdb staging folder are deleted too.
/// </summary>
internal sealed class TestDataFolder : IDisposable
{
    private static readonly string Root = Path.Combine("/tmp", "customerlifecycle-pg-tests");

    public TestDataFolder()
    {
        Folder = Path.Combine(Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string DataDirectory => Path.Combine(Folder, "data");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A server that failed to stop may still write its log; /tmp is cleaned eventually.
        }
    }
}
