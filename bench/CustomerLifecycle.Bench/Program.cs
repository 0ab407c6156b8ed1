using System.Runtime.InteropServices;
using CustomerLifecycle.Bench;
using CustomerLifecycle.Infrastructure.Postgres;
using Npgsql;

if (args is ["clv-fit", ..])
{
    return CustomerLifecycle.Bench.Clv.ClvFitBenchmark.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
}

if (!BenchOptions.TryParse(args, out var options, out var problem))
{
    Console.Error.WriteLine(problem);
    Console.Error.WriteLine(BenchOptions.Usage);
    return problem.Length == 0 ? 0 : 2;
}

// Ctrl-C and SIGTERM cancel the run instead of killing the process, so the service and the server are stopped.
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext signal)
{
    signal.Cancel = true;
    Console.Error.WriteLine($"{signal.Signal}: stopping the service and the server…");
    stop.Cancel();
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

try
{
    await BenchRun.RunAsync(options, stop.Token);
    return 0;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    Console.Error.WriteLine("Interrupted; nothing was reported.");
    return 130;
}
catch (Exception e) when (e is BenchException or NpgsqlException or PrivatePostgresException or HttpRequestException)
{
    // Setup or the service failed: say why in a sentence, the service and the server have been stopped by now.
    Console.Error.WriteLine($"bench failed: {e.Message}");
    return 1;
}
