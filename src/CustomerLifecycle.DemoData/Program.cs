namespace CustomerLifecycle.DemoData;

// A class of its own (not top-level statements): the test project sees this assembly's internals and must not
// meet a second global Program beside the service's.
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var (options, error) = DemoDataOptions.Parse(args, DateOnly.FromDateTime(DateTime.UtcNow));
        if (options is null)
        {
            (error is null ? Console.Out : Console.Error).WriteLine(error is null ? DemoDataOptions.Usage : $"{error}\n\n{DemoDataOptions.Usage}");
            return error is null ? 0 : 2;
        }

        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        return await DemoDataCommand.RunAsync(options, Console.Out, cancel.Token);
    }
}
