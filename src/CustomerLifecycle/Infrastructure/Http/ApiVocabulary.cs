using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using CustomerLifecycle.Lifecycle;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// The API's own words for what .NET calls otherwise: snake_case stage names, ISO 8601 formats, and one name per id.
/// <c>eventId</c> is always the client's id of a touchpoint; the store's UUID of an event is <c>storeId</c>, as in
/// <c>GET /api/customers/{id}/events</c>. The journal keeps its stored field names; only the HTTP answers rename.
/// </summary>
public static partial class ApiVocabulary
{
    public const string StoreIdName = "storeId";

    /// <summary>Stage names as the API writes them: prospect, engaged, …, won_back.</summary>
    public static string StageNames => string.Join(", ", Enum.GetValues<LifecycleStage>().Select(Stage));

    public static string Stage(LifecycleStage stage) => JsonNamingPolicy.SnakeCaseLower.ConvertName(stage.ToString());

    /// <summary>A JSON type-info modifier: transition causes name the store's event UUID <c>storeId</c>, not <c>eventId</c>.</summary>
    public static void NameStoreIds(JsonTypeInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (info.Type != typeof(EventCause) && info.Type != typeof(FactRef))
        {
            return;
        }

        foreach (var property in info.Properties.Where(p => p.Name == "eventId"))
        {
            property.Name = StoreIdName;
        }
    }

    /// <summary>What a value of this .NET type must look like, in the API's words (e.g. for a query parameter).</summary>
    public static string Expected(string dotNetType) => dotNetType.TrimEnd('?') switch
    {
        "System.DateTimeOffset" or "DateTimeOffset" or "System.DateTime" or "DateTime" =>
            "must be an ISO 8601 date or timestamp, e.g. 2026-01-01 or 2026-01-01T00:00:00Z (send + in an offset as %2B)",
        "System.DateOnly" or "DateOnly" => "must be an ISO 8601 date, e.g. 2026-01-01",
        "int" or "System.Int32" or "long" or "System.Int64" or "short" or "System.Int16" => "must be a whole number",
        "double" or "System.Double" or "decimal" or "System.Decimal" or "float" or "System.Single" => "must be a number, e.g. 0.25",
        "bool" or "System.Boolean" => "must be true or false",
        "System.Guid" or "Guid" => "must be a UUID",
        "CustomerLifecycle.Lifecycle.LifecycleStage" => $"must be a lifecycle stage: one of {StageNames}",
        _ => "has the wrong format: see the parameter in /openapi/v1.json",
    };

    /// <summary>As <see cref="Expected(string)"/>, for a CLR type (nullable or not).</summary>
    public static string Expected(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsEnum && t != typeof(LifecycleStage)
            ? $"must be one of {string.Join(", ", Enum.GetNames(t).Select(JsonNamingPolicy.CamelCase.ConvertName))}"
            : Expected(t.FullName ?? t.Name);
    }

    /// <summary>
    /// Rewrites the framework's binding problems (an unparseable query value, a JSON body of the wrong shape) into
    /// the API's form: a 400 with <c>errors</c> keyed by the field and a reason that names no .NET type.
    /// </summary>
    public static void Rephrase(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Status != StatusCodes.Status400BadRequest || problem.Detail is not { } detail)
        {
            return;
        }

        if (problem.Title == "Invalid query string value" && QueryProblem().Match(detail) is { Success: true } query)
        {
            var field = query.Groups["field"].Value;
            var reason = Expected(query.Groups["type"].Value);
            problem.Title = "One or more validation errors occurred.";
            problem.Detail = $"Query parameter '{field}' {reason} (got '{query.Groups["value"].Value}').";
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [reason] };
        }
        else if (problem.Title == "Invalid JSON format")
        {
            var path = JsonPath().Match(detail) is { Success: true } p ? p.Groups["path"].Value : "$";
            var field = path is "$" ? "$" : path.TrimStart('$', '.');
            var reason = path is "$"
                ? "is not valid JSON for this endpoint: see the request body in /openapi/v1.json"
                : "has the wrong type or format (text in quotes, numbers without, dates and times ISO 8601 like 2026-01-01T00:00:00Z)";
            problem.Title = "The request body could not be read";
            problem.Detail = path is "$" ? $"The body {reason}." : $"Field '{field}' {reason}.";
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [reason] };
            problem.Type = "https://tools.ietf.org/html/rfc9110#section-15.5.1";
        }
    }

    [GeneratedRegex(@"^Query string parameter '(?<field>[^']*)' has the value '(?<value>.*)' which cannot be parsed to the expected type (?<type>\S+)$", RegexOptions.Singleline)]
    private static partial Regex QueryProblem();

    [GeneratedRegex(@"Path: (?<path>\S+)")]
    private static partial Regex JsonPath();
}
