using System.Text.Json.Nodes;

namespace CustomerLifecycle.Tests.Support;

/// <summary>Builds touchpoint JSON for HTTP tests; every call gets fresh ids so tests never collide.</summary>
public static class Json
{
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static JsonObject Touchpoint(string type, string customerId, JsonObject data, string? eventId = null, string occurredAt = "2026-11-20T10:00:00Z", string source = "test-suite") =>
        new()
        {
            ["eventId"] = eventId ?? NewId("e"),
            ["customerId"] = customerId,
            ["type"] = type,
            ["occurredAt"] = occurredAt,
            ["source"] = source,
            ["data"] = data,
        };

    public static JsonObject Purchase(string customerId, decimal amount = 19.99m, string? eventId = null, string occurredAt = "2026-11-20T10:00:00Z") =>
        Touchpoint("purchase_completed", customerId, new JsonObject { ["orderId"] = NewId("o"), ["amount"] = amount, ["currency"] = "EUR" }, eventId, occurredAt);

    public static JsonObject Batch(params JsonNode[] touchpoints) => new() { ["touchpoints"] = new JsonArray(touchpoints) };
}
