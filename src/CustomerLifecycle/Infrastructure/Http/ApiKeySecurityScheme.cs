using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>Tells OpenAPI clients (and the Scalar page) how to authenticate: an X-Api-Key header on every operation.</summary>
public sealed class ApiKeySecurityScheme : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "X-Api-Key",
            Description = "A key with the scope the operation needs: ingest, read or operate.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
        return Task.CompletedTask;
    }
}
