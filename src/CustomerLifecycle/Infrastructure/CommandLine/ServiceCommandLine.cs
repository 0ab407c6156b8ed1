using System.Net.Sockets;
using CustomerLifecycle.Infrastructure.Postgres;
using JasperFx;
using JasperFx.CommandLine;
using Microsoft.AspNetCore.Connections;

namespace CustomerLifecycle.Infrastructure.CommandLine;

/// <summary>
/// The process's entry: runs the service (no arguments) or a command, and turns everything a user can get wrong at
/// start (port taken, private PostgreSQL unavailable) into one line on stderr and a documented exit code.
/// </summary>
public static class ServiceCommandLine
{
    /// <summary>The service ran and stopped normally, or the command succeeded.</summary>
    public const int Succeeded = 0;

    /// <summary>A command failed (bad arguments, rejected lines, the service refused).</summary>
    public const int CommandFailed = 1;

    /// <summary>The service could not start: a required setting is missing, its address is taken, or its database could not be reached or started.</summary>
    public const int StartFailed = 2;

    private static readonly string[] HelpCommands = ["help", "?"];

    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private static volatile bool hostStarted;

    /// <summary>
    /// Until the host has started, its own error for a failed start ("Hosting failed to start" and a stack trace) is
    /// left to <see cref="RunAsync"/>, which says in one line what to fix; a start failure it does not know still ends
    /// the process with the runtime's report of the exception. Once started, the host's warnings and errors are logged.
    /// </summary>
    public static ILoggingBuilder LeaveStartFailuresToTheCommandLine(this ILoggingBuilder logging) =>
        logging.AddFilter(HostCategory, level => level >= LogLevel.Critical || (hostStarted && level >= LogLevel.Warning));

    /// <summary>
    /// Help and usage, the import through a running service and the OpenAPI export need no database, so they must not
    /// start the private PostgreSQL (or wait for a configured one).
    /// </summary>
    public static bool NeedsDatabase(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return true;
        }

        var command = args[0];
        return !(HelpCommands.Contains(command, StringComparer.OrdinalIgnoreCase)
                 || args.Any(a => a is "--help" or "-h" or "-?")
                 || command.Equals("openapi", StringComparison.OrdinalIgnoreCase)
                 || (command.Equals("import-transactions", StringComparison.OrdinalIgnoreCase) && !args.Contains("--direct", StringComparer.OrdinalIgnoreCase)));
    }

    /// <summary>
    /// No arguments, or only the host's own settings (<c>--urls …</c>, <c>--environment …</c>, read by the builder):
    /// the service runs here, so that a failed start gets its exit code (JasperFx would run the host itself and exit 0).
    /// </summary>
    private static bool RunsTheService(string[] args) =>
        args.Length == 0 || (args[0].StartsWith("--", StringComparison.Ordinal) && !args.Any(a => a is "--help" or "-h" or "-?"));

    public static async Task<int> RunAsync(string[] args, Func<Task<WebApplication>> build)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(build);
        QuietCommandDiscovery();
        try
        {
            var app = await build();
            if (!RunsTheService(args))
            {
                return await app.RunJasperFxCommands(args);
            }

            using (app.Lifetime.ApplicationStarted.Register(() => hostStarted = true))
            {
                await app.RunAsync();
            }

            return Succeeded;
        }
        catch (IOException ex) when (ex.InnerException is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
        {
            await Console.Error.WriteLineAsync(
                $"customer-lifecycle: cannot start: {ex.Message} Is the service already running? Stop it, or choose another address with ASPNETCORE_URLS.");
            return StartFailed;
        }
        catch (StartupRefusedException ex)
        {
            await Console.Error.WriteLineAsync($"customer-lifecycle: cannot start: {ex.Message}");
            return StartFailed;
        }
        catch (PrivatePostgresException ex)
        {
            await Console.Error.WriteLineAsync($"customer-lifecycle: cannot start the private PostgreSQL: {ex.Message.Split('\n')[0].TrimEnd()}");
            return StartFailed;
        }
    }

    /// <summary>
    /// JasperFx prints "Searching '…' for commands" for every Critter Stack assembly unless extensions were applied
    /// once in the process. This application registers no JasperFx extensions, so applying the empty set changes
    /// nothing but the noise.
    /// </summary>
    private static void QuietCommandDiscovery() => new CommandFactory().ApplyExtensions(new ServiceCollection());
}
