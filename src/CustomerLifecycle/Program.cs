using CustomerLifecycle.Infrastructure;
using CustomerLifecycle.Infrastructure.Store;
using JasperFx;

var builder = WebApplication.CreateBuilder(args);
builder.AddCustomerLifecycle(await DatabaseEndpoint.ResolveAsync(builder));

var app = builder.Build();
app.UseCustomerLifecycle();
return await app.RunJasperFxCommands(args);

public partial class Program;
