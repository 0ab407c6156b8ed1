using System.Diagnostics;

namespace CustomerLifecycle.Infrastructure.Postgres;

/// <summary>
/// An exclusive lock on <c>&lt;data folder&gt;.lock</c>, held while one <see cref="PrivatePostgres"/> uses the
/// data folder, so two test runs or service instances never initdb, start or stop the same cluster at once.
/// On Unix .NET takes FileShare.None as a non-blocking flock, which the kernel drops when the process dies,
/// so a killed process never leaves a stale lock. The file itself is left in place: deleting a lock file
/// lets two processes each lock a different file of the same name.
/// </summary>
internal sealed class DataDirectoryLock : IDisposable
{
    // flock conflicts between two opens in the same process too, but waiting for ourselves is pointless: fail at once.
    private static readonly HashSet<string> HeldInThisProcess = new(StringComparer.Ordinal);

    private readonly FileStream stream;
    private readonly string dataDirectory;
    private bool disposed;

    private DataDirectoryLock(FileStream stream, string dataDirectory)
    {
        this.stream = stream;
        this.dataDirectory = dataDirectory;
    }

    public static string PathFor(string dataDirectory) => dataDirectory + ".lock";

    /// <summary>
    /// Takes the lock, waiting up to <paramref name="wait"/> while another process holds it: a process that was
    /// just killed leaves a watchdog that holds it for the moment it takes to stop the server (see <see cref="ServerWatchdog"/>).
    /// </summary>
    public static async Task<DataDirectoryLock> AcquireAsync(string dataDirectory, TimeSpan wait, CancellationToken ct)
    {
        var path = PathFor(dataDirectory);
        lock (HeldInThisProcess)
        {
            if (!HeldInThisProcess.Add(dataDirectory))
            {
                throw InUse(dataDirectory, path, "by another PrivatePostgres instance in this process", null);
            }
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var waited = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), dataDirectory);
                }
                catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
                {
                    if (waited.Elapsed >= wait)
                    {
                        throw InUse(dataDirectory, path, $"by another process (waited {wait.TotalSeconds:0} s)", e);
                    }
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
            }
        }
        catch (UnauthorizedAccessException e)
        {
            Release(dataDirectory);
            throw new PrivatePostgresException($"Could not create the lock file {path} for the PostgreSQL data folder: {e.Message}", e);
        }
        catch
        {
            Release(dataDirectory);
            throw;
        }
    }

    public void Dispose()
    {
        if (!disposed)
        {
            disposed = true;
            stream.Dispose();
            Release(dataDirectory);
        }
    }

    private static void Release(string dataDirectory)
    {
        lock (HeldInThisProcess)
        {
            HeldInThisProcess.Remove(dataDirectory);
        }
    }

    private static PrivatePostgresException InUse(string dataDirectory, string path, string holder, Exception? inner)
    {
        var message = $"The PostgreSQL data folder {dataDirectory} is already in use {holder} (its lock file {path} is held). "
            + "Stop that instance first, or give this one a different data folder.";
        return inner is null ? new PrivatePostgresException(message) : new PrivatePostgresException(message, inner);
    }
}
