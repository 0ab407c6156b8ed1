using CustomerLifecycle.Infrastructure.Postgres;

namespace CustomerLifecycle.Tests.Infrastructure.Postgres;

/// <summary>
/// The watchdog on its own, with <c>touch</c> standing in for pg_ctl stop and the test holding the lock as a
/// live PrivatePostgres does. (That a real server stops when its process is killed by SIGINT, SIGTERM or SIGKILL
/// needs a second process and was checked by hand.)
/// </summary>
public sealed class ServerWatchdogTests : IDisposable
{
    private readonly TestDataFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string LockFile => Path.Combine(folder.Folder, "data.lock");

    private string Marker => Path.Combine(folder.Folder, "stopped");

    [Fact]
    public async Task RunsTheStopCommandOnlyOnceTheLockIsReleased()
    {
        var held = new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var watchdog = StartWatchdog();

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(File.Exists(Marker));

        await held.DisposeAsync(); // what the kernel does when our process dies
        Assert.True(await EventuallyAsync(() => File.Exists(Marker)), "the stop command did not run after the lock was released");
    }

    [Fact]
    public async Task DisposedWatchdogDoesNothingWhenTheLockIsReleased()
    {
        using (new FileStream(LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var watchdog = StartWatchdog();
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            watchdog.Dispose(); // what StopAsync does before the lock is released
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(File.Exists(Marker));
    }

    private ServerWatchdog StartWatchdog() =>
        ServerWatchdog.Start(LockFile, "/usr/bin/touch", [Marker]) ?? throw new InvalidOperationException("flock(1) is missing");

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        for (var i = 0; i < 50 && !condition(); i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        return condition();
    }
}
