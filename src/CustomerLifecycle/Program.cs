using CustomerLifecycle.Infrastructure;
using CustomerLifecycle.Infrastructure.Store;
using JasperFx;

var builder = WebApplication.CreateBuilder(args);
if (StartupRequirements.Unmet(builder.Environment, builder.Configuration) is { } unmet)
{
    await Console.Error.WriteLineAsync(unmet);
    return 2;
}

builder.AddCustomerLifecycle(await DatabaseEndpoint.ResolveAsync(builder));

var app = builder.Build();
app.UseCustomerLifecycle();
return await app.RunJasperFxCommands(args);

public partial class Program;
