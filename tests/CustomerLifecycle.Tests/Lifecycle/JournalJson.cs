using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Tests.Lifecycle;

/// <summary>
/// The journal as a document store keeps it: System.Text.Json with web defaults and enums as strings.
/// AllowOutOfOrderMetadataProperties is needed because PostgreSQL's jsonb reorders keys, so a type
/// discriminator is not necessarily the first property any more when the document is read back.
/// </summary>
internal static class JournalJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        AllowOutOfOrderMetadataProperties = true,
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options)
        ?? throw new InvalidOperationException("The document deserialised to null.");

    /// <summary>Reorders every object's keys the way jsonb stores them: shorter keys first, then by bytes.</summary>
    public static string InJsonbKeyOrder(string json) => Reorder(JsonNode.Parse(json))!.ToJsonString();

    private static JsonNode? Reorder(JsonNode? node) => node switch
    {
        JsonObject obj => new JsonObject(obj
            .OrderBy(p => Encoding.UTF8.GetByteCount(p.Key))
            .ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, Reorder(p.Value)))
            .ToList()),
        JsonArray array => new JsonArray([.. array.Select(Reorder)]),
        _ => node?.DeepClone(),
    };
}
