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
    private readonly FileStream stream;

    private DataDirectoryLock(FileStream stream) => this.stream = stream;

    public static DataDirectoryLock Acquire(string dataDirectory)
    {
        var path = dataDirectory + ".lock";
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e)
        {
            throw new PrivatePostgresException(
                $"The PostgreSQL data folder {dataDirectory} is already in use by another PrivatePostgres instance, "
                + $"in this process or another live one (its lock file {path} is held). Stop that instance first, "
                + "or give this one a different data folder.",
                e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new PrivatePostgresException($"Could not create the lock file {path} for the PostgreSQL data folder: {e.Message}", e);
        }
    }

    public void Dispose() => stream.Dispose();
}
