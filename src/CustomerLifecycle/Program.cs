using CustomerLifecycle.Infrastructure;
using CustomerLifecycle.Infrastructure.Store;
using JasperFx;

var builder = WebApplication.CreateBuilder(args);
var database = await DatabaseEndpoint.ResolveAsync(builder);
builder.AddCustomerLifecycle(database.ConnectionString);

var app = builder.Build();
app.UseCustomerLifecycle();
return await app.RunJasperFxCommands(args);

public partial class Program;
