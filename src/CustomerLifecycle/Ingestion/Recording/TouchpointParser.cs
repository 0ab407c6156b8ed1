using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using FluentValidation;

namespace CustomerLifecycle.Ingestion.Recording;

/// <summary>
/// Turns one submitted JSON object into either a <see cref="ValidTouchpoint"/> or a <see cref="Rejection"/> that
/// names every bad field and why. Pure: the receive time comes in as a parameter.
/// </summary>
public sealed partial class TouchpointParser(IngestionLimits limits)
{
    private static readonly string[] ReservedDataFields = ["customerId", "occurredAt", "source"];

    // The wire format of `data`: camelCase members, snake_case enum names, unknown or missing fields are errors
    // (a typo must not silently drop a value that a rule depends on).
    public static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // Exact member names: "CustomerId" inside data must not slip past the reserved-field check as "customerId".
        PropertyNameCaseInsensitive = false,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false), new NormalizedDecimalConverter(), new OffsetRequiredConverter() },
    };

    /// <summary>19.99 and 19.990 are the same amount: drop the trailing zeros a decimal would otherwise keep as scale.</summary>
    private sealed class NormalizedDecimalConverter : JsonConverter<decimal>
    {
        public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDecimal() / 1.000000000000000000000000000000000m;

        public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value);
    }

    /// <summary>A timestamp without an offset would be read in the server's time zone: refuse it, as for occurredAt.</summary>
    private sealed class OffsetRequiredConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { } text && HasOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
                ? value
                : throw new JsonException("expected an ISO 8601 timestamp with a UTC offset");

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    private readonly EnvelopeValidator envelopeValidator = new(limits.MaxFutureSkew);

    static TouchpointParser()
    {
        // Error keys and messages speak the wire's camelCase names, not C# property names.
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => member is null ? null : JsonNamingPolicy.CamelCase.ConvertName(member.Name);
    }

    public IngestionLimits Limits => limits;

    /// <summary>Parses one item of a batch (or a single POST body) that was already read as JSON.</summary>
    public (ValidTouchpoint? Touchpoint, Rejection? Rejection) Parse(JsonElement item, DateTimeOffset receivedAt, int? index = null)
    {
        var raw = JsonMarshal.GetRawUtf8Value(item);
        if (item.ValueKind != JsonValueKind.Object)
        {
            return (null, new Rejection(RejectionReasons.Validation, Errors("$", "a touchpoint must be a JSON object"), raw.ToArray(), index));
        }

        // PostgreSQL's text and jsonb cannot hold U+0000; one would fail the whole transaction, so refuse it here.
        if (ContainsNul(raw))
        {
            var (nulEventId, nulCustomerId, nulType) = SafePeekKeys(item);
            return (null, new Rejection(RejectionReasons.Validation, Errors("$", "must not contain the NUL character (\\u0000)"), raw.ToArray(), index,
                Clean(nulEventId), Clean(nulCustomerId), Clean(nulType)));
        }

        try
        {
            return ParseObject(item, raw, receivedAt, index);
        }
        catch (InvalidOperationException ex)
        {
            // JsonDocument checks structure eagerly but decodes strings lazily: invalid UTF-8 inside a string surfaces here.
            var (eventId, customerId, type) = SafePeekKeys(item);
            return (null, new Rejection(RejectionReasons.MalformedJson, Errors("$", $"is not valid JSON: {ex.Message}"), raw.ToArray(), index, eventId, customerId, type));
        }
    }

    private (ValidTouchpoint? Touchpoint, Rejection? Rejection) ParseObject(JsonElement item, ReadOnlySpan<byte> raw, DateTimeOffset receivedAt, int? index)
    {
        if (raw.Length > limits.MaxEventBytes)
        {
            var (eventId, customerId, type) = SafePeekKeys(item);
            return (null, new Rejection(
                RejectionReasons.TooLarge,
                Errors("$", $"a touchpoint may be at most {limits.MaxEventBytes} bytes of JSON; this one is {raw.Length}"),
                raw.ToArray(), index, eventId, customerId, type));
        }

        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var envelope = ReadEnvelope(item, receivedAt, errors, out var data);
        foreach (var failure in envelopeValidator.Validate(envelope).Errors)
        {
            var key = CamelPath(failure.PropertyName);
            if (!errors.ContainsKey(key))
            {
                Add(errors, key, failure.ErrorMessage);
            }
        }

        Touchpoint? evt = null;
        if (errors.Count == 0 && data is { } dataElement)
        {
            evt = ReadData(envelope, dataElement, errors);
        }
        else if (errors.Count == 0)
        {
            Add(errors, "data", "is required: an object with the type's fields (see docs/events.md)");
        }

        if (errors.Count > 0 || evt is null)
        {
            return (null, new Rejection(
                RejectionReasons.Validation,
                errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal),
                raw.ToArray(), index, envelope.EventId, envelope.CustomerId, envelope.Type));
        }

        var clientOccurredAt = envelope.OccurredAt!.Value;
        return (new ValidTouchpoint(
            envelope.EventId!,
            DeterministicGuid.FromEventId(envelope.EventId!),
            envelope.Type!,
            evt,
            clientOccurredAt,
            envelope.SentAt,
            receivedAt,
            // The same instant written with another offset is the same content.
            ContentHash(envelope.EventId!, envelope.Type!, evt with { OccurredAt = clientOccurredAt.ToUniversalTime() }),
            raw.ToArray(),
            index), null);
    }

    /// <summary>
    /// What makes two submissions "the same event": id, type, customer, source, the client's own occurredAt and the
    /// data, canonically re-serialised. Deliberately NOT sentAt: SDKs restamp it on every retry.
    /// </summary>
    public static byte[] ContentHash(string eventId, string type, Touchpoint canonical)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        buffer.Write(Encoding.UTF8.GetBytes(eventId));
        buffer.Write<byte>([0]);
        buffer.Write(Encoding.UTF8.GetBytes(type));
        buffer.Write<byte>([0]);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, canonical, canonical.GetType(), DataJson);
        }

        return SHA256.HashData(buffer.WrittenSpan);
    }

    private static Envelope ReadEnvelope(JsonElement item, DateTimeOffset receivedAt, Dictionary<string, List<string>> errors, out JsonElement? data)
    {
        data = null;
        if (item.ValueKind != JsonValueKind.Object)
        {
            Add(errors, "$", "a touchpoint must be a JSON object");
            return new Envelope(null, null, null, null, null, null, receivedAt);
        }

        string? eventId = null, customerId = null, type = null, source = null;
        DateTimeOffset? occurredAt = null, sentAt = null;
        foreach (var property in item.EnumerateObject())
        {
            switch (property.Name)
            {
                case "eventId": eventId = ReadString(property, errors); break;
                case "customerId": customerId = ReadString(property, errors); break;
                case "type": type = ReadString(property, errors); break;
                case "source": source = ReadString(property, errors); break;
                case "occurredAt": occurredAt = ReadTimestamp(property, errors); break;
                case "sentAt": sentAt = ReadTimestamp(property, errors); break;
                case "data":
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        data = property.Value;
                    }
                    else
                    {
                        Add(errors, "data", "must be a JSON object");
                    }

                    break;
                default:
                    Add(errors, property.Name, "is not a field of a touchpoint (eventId, customerId, type, occurredAt, sentAt, source, data); type-specific fields go inside data");
                    break;
            }
        }

        return new Envelope(eventId, customerId, type, occurredAt, sentAt, source, receivedAt);
    }

    private static Touchpoint? ReadData(Envelope envelope, JsonElement data, Dictionary<string, List<string>> errors)
    {
        var type = TouchpointTypes.ByName[envelope.Type!];
        foreach (var property in data.EnumerateObject())
        {
            if (ReservedDataFields.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                Add(errors, $"data.{property.Name}", "belongs at the top level of the touchpoint, not inside data");
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        // The envelope's fields are written in front of data's so the record's constructor sees them all at once.
        var buffer = new ArrayBufferWriter<byte>(JsonMarshal.GetRawUtf8Value(data).Length + 160);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("customerId", envelope.CustomerId);
            writer.WriteString("occurredAt", envelope.CorrectedOccurredAt!.Value);
            writer.WriteString("source", envelope.Source);
            foreach (var property in data.EnumerateObject())
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        Touchpoint evt;
        try
        {
            evt = (Touchpoint)JsonSerializer.Deserialize(buffer.WrittenSpan, type, DataJson)!;
        }
        catch (JsonException ex)
        {
            foreach (var (key, message) in DescribeJsonError(ex, type))
            {
                Add(errors, key, message);
            }

            return null;
        }

        foreach (var failure in TouchpointDataValidators.ByType[type].Validate(new ValidationContext<object>(evt)).Errors)
        {
            Add(errors, "data." + CamelPath(failure.PropertyName), failure.ErrorMessage);
        }

        return errors.Count == 0 ? evt : null;
    }

    private static IEnumerable<(string Key, string Message)> DescribeJsonError(JsonException ex, Type type)
    {
        var message = ex.Message;
        var path = ex.Path is { Length: > 1 } p ? "data" + p[1..] : "data";
        if (MissingFields().Match(message) is { Success: true } missing)
        {
            foreach (Match name in QuotedName().Matches(missing.Groups[1].Value))
            {
                yield return ($"{path}.{name.Groups[1].Value}", "is required");
            }

            yield break;
        }

        if (UnmappedField().Match(message) is { Success: true } unmapped)
        {
            yield return ($"data.{unmapped.Groups[1].Value}", $"is not a field of {TouchpointTypes.NameOf[type]} (see docs/events.md)");
            yield break;
        }

        if (NullParameter().IsMatch(message))
        {
            yield return (path, "must not be null");
            yield break;
        }

        var expected = ex.Path is { } jsonPath ? Expected(type, jsonPath) : null;
        yield return (path, expected is null ? "has the wrong type or format" : $"has the wrong type or format: expected {expected}");
    }

    /// <summary>What the member at a JSON path ("$.items[0].quantity") expects, in words, found by walking the record's properties.</summary>
    private static string? Expected(Type root, string jsonPath)
    {
        Type? current = root;
        foreach (var segment in jsonPath.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = segment.Split('[')[0];
            var property = current?.GetProperty(name, System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.IgnoreCase);
            current = property?.PropertyType;
            if (current is not null && segment.Contains('[', StringComparison.Ordinal) && current.IsGenericType)
            {
                current = current.GetGenericArguments()[0];
            }
        }

        current = current is null ? null : Nullable.GetUnderlyingType(current) ?? current;
        return current switch
        {
            null => null,
            { IsEnum: true } => "one of " + string.Join(", ", Enum.GetNames(current).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName)),
            _ when current == typeof(decimal) => "a number",
            _ when current == typeof(int) => "a whole number",
            _ when current == typeof(string) => "a string",
            _ when current == typeof(DateTimeOffset) => "an ISO 8601 timestamp with offset",
            _ when current.IsGenericType => "an array",
            _ => "an object",
        };
    }

    private static string? ReadString(JsonProperty property, Dictionary<string, List<string>> errors)
    {
        if (property.Value.ValueKind == JsonValueKind.String)
        {
            return property.Value.GetString();
        }

        Add(errors, property.Name, "must be a string");
        return null;
    }

    private static DateTimeOffset? ReadTimestamp(JsonProperty property, Dictionary<string, List<string>> errors)
    {
        // An offset-less timestamp would silently be read in the server's time zone: refuse it instead.
        if (property.Value.ValueKind == JsonValueKind.String
            && property.Value.GetString() is { } text
            && HasOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            return value;
        }

        Add(errors, property.Name, "must be an ISO 8601 timestamp with a UTC offset, e.g. 2026-11-23T14:05:00Z");
        return null;
    }

    /// <summary>True when the JSON text escapes a NUL (a raw NUL byte is not valid JSON, so the escape is the only way in).</summary>
    internal static bool ContainsNul(ReadOnlySpan<byte> json)
    {
        for (var at = json.IndexOf("\\u"u8); at >= 0; at = NextEscape(json, at))
        {
            var hex = json.Slice(at + 2);
            if (hex.Length >= 4 && hex[..4].SequenceEqual("0000"u8))
            {
                return true;
            }
        }

        return false;

        static int NextEscape(ReadOnlySpan<byte> json, int from)
        {
            var next = json[(from + 2)..].IndexOf("\\u"u8);
            return next < 0 ? -1 : from + 2 + next;
        }
    }

    /// <summary>Text we store about a refused payload must itself be storable.</summary>
    public static string? Clean(string? text) => text?.Replace('\0', '\uFFFD');

    /// <summary>The keys of an item we refuse before reading it properly, for the quarantine row (best effort).</summary>
    private static (string? EventId, string? CustomerId, string? Type) SafePeekKeys(JsonElement item)
    {
        static string? Get(JsonElement e, string name)
        {
            try
            {
                return e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }

        return (Get(item, "eventId"), Get(item, "customerId"), Get(item, "type"));
    }

    public static Dictionary<string, string[]> Errors(string key, string message) => new(StringComparer.Ordinal) { [key] = [message] };

    private static void Add(Dictionary<string, List<string>> errors, string key, string message)
    {
        if (!errors.TryGetValue(key, out var list))
        {
            errors[key] = list = [];
        }

        list.Add(message);
    }

    /// <summary>"Items[0].UnitPrice" → "items[0].unitPrice".</summary>
    internal static string CamelPath(string propertyName) =>
        string.Join('.', propertyName.Split('.').Select(segment => segment.Length == 0 ? segment : char.ToLowerInvariant(segment[0]) + segment[1..]));

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex HasOffset();

    [GeneratedRegex(@"missing required properties including: (.+)\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex MissingFields();

    [GeneratedRegex(@"'([^']+)'", RegexOptions.CultureInvariant)]
    private static partial Regex QuotedName();

    [GeneratedRegex(@"property '([^']+)' could not be mapped", RegexOptions.CultureInvariant)]
    private static partial Regex UnmappedField();

    [GeneratedRegex(@"doesn't allow null", RegexOptions.CultureInvariant)]
    private static partial Regex NullParameter();

}
