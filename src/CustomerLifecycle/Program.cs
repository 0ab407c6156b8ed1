using CustomerLifecycle.Infrastructure;
using CustomerLifecycle.Infrastructure.CommandLine;
using CustomerLifecycle.Infrastructure.Store;

return await ServiceCommandLine.RunAsync(args, async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    var needsDatabase = ServiceCommandLine.NeedsDatabase(args);
    StartupRequirements.ThrowIfUnmet(builder.Environment, builder.Configuration, needsDatabase);
    builder.AddCustomerLifecycle(await DatabaseEndpoint.ResolveAsync(builder, needsDatabase));

    var app = builder.Build();
    app.UseCustomerLifecycle();
    return app;
});

public partial class Program;
