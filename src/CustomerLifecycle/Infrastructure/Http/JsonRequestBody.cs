using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// Documents the JSON body of an endpoint that reads its body itself. Not [Consumes]: that would also make routing
/// answer 415 on its own for other content types, before our endpoint could quarantine the payload.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class JsonRequestBodyAttribute(Type bodyType) : Attribute
{
    public Type BodyType { get; } = bodyType;
}

public sealed class JsonRequestBodyTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBodyAttribute>().FirstOrDefault() is not { } body)
        {
            return;
        }

        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.BodyType, null, cancellationToken) },
            },
        };
    }
}
