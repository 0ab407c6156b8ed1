using CustomerLifecycle.Infrastructure;
using CustomerLifecycle.Infrastructure.CommandLine;
using CustomerLifecycle.Infrastructure.Store;

return await ServiceCommandLine.RunAsync(args, async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddCustomerLifecycle(await DatabaseEndpoint.ResolveAsync(builder, ServiceCommandLine.NeedsDatabase(args)));

    var app = builder.Build();
    app.UseCustomerLifecycle();
    return app;
});

public partial class Program;
