namespace CustomerLifecycle.Infrastructure.CommandLine;

/// <summary>
/// Resolves a path given on the command line from the folder the user ran the command in. <c>dotnet run --project</c>
/// starts the process in the project's folder, but the shell's <c>PWD</c> still names the caller's.
/// </summary>
public static class CallerPaths
{
    public static string CallerFolder =>
        Environment.GetEnvironmentVariable("PWD") is { Length: > 0 } pwd && Path.IsPathFullyQualified(pwd) && Directory.Exists(pwd)
            ? pwd
            : Directory.GetCurrentDirectory();

    public static string Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Path.GetFullPath(path, CallerFolder);
    }
}
