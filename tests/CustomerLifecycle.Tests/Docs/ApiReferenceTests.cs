using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Docs;

/// <summary>
/// docs/api.md and the OpenAPI document describe the same endpoints, so neither can drift from the other, and the
/// OpenAPI document is one a newcomer can learn from.
/// </summary>
[Collection(AppFixtureGroup.Name)]
public partial class ApiReferenceTests(CustomerLifecycleApp app)
{
    private async Task<JsonObject> OpenApiAsync() => (await app.CreateClient().GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;

    private static IEnumerable<(string Endpoint, JsonObject Operation)> Operations(JsonObject document) =>
        document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Select(op => ($"{op.Key.ToUpperInvariant()} {path.Key}", op.Value!.AsObject())));

    private static string ApiMd => File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "api.md"));

    [Fact]
    public async Task The_endpoint_table_of_api_md_lists_exactly_the_endpoints_of_the_openapi_document()
    {
        var documented = TableRow().Matches(ApiMd).Select(m => m.Groups["endpoint"].Value).Order(StringComparer.Ordinal);

        var served = Operations(await OpenApiAsync()).Select(o => o.Endpoint).Order(StringComparer.Ordinal);

        Assert.Equal(served, documented);
    }

    [Fact]
    public async Task Every_endpoint_has_a_section_in_api_md_and_the_contents_link_to_it()
    {
        var headings = Heading().Matches(ApiMd).Select(m => m.Groups["endpoint"].Value).ToHashSet(StringComparer.Ordinal);
        var contents = ApiMd[..ApiMd.IndexOf("## Conventions", StringComparison.Ordinal)];

        Assert.All(Operations(await OpenApiAsync()), o =>
        {
            Assert.Contains(o.Endpoint, headings);
            Assert.Contains($"[{o.Endpoint}", contents, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Every_operation_and_parameter_is_described_and_required_parameters_are_marked()
    {
        var document = await OpenApiAsync();

        Assert.All(Operations(document), o =>
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)o.Operation["summary"]), o.Endpoint);
            var description = (string?)o.Operation["description"];
            Assert.False(string.IsNullOrWhiteSpace(description) || description == (string?)o.Operation["operationId"], $"{o.Endpoint}: {description}");
            Assert.All(o.Operation["parameters"]?.AsArray() ?? [], p => Assert.False(string.IsNullOrWhiteSpace((string?)p!["description"]), $"{o.Endpoint} {(string?)p!["name"]}"));
        });
        var funnel = Operations(document).Single(o => o.Endpoint == "GET /api/lifecycle/funnel").Operation;
        Assert.All(funnel["parameters"]!.AsArray().Where(p => (string)p!["name"]! is "from" or "to"), p => Assert.True((bool)p!["required"]!));
    }

    [Theory]
    [InlineData("POST /api/touchpoints")]
    [InlineData("POST /api/touchpoints/batch")]
    [InlineData("POST /api/lifecycle/what-if")]
    [InlineData("POST /api/analytics/clv/fits")]
    public async Task The_main_request_bodies_come_with_an_example(string endpoint)
    {
        var operation = Operations(await OpenApiAsync()).Single(o => o.Endpoint == endpoint).Operation;

        Assert.IsType<JsonObject>(operation["requestBody"]!["content"]!["application/json"]!["example"]);
    }

    [Fact]
    public async Task Tags_follow_the_users_journey_from_ingest_to_operate()
    {
        var document = await OpenApiAsync();

        Assert.Equal(ApiReference.Tags.Select(t => t.Name), document["tags"]!.AsArray().Select(t => (string)t!["name"]!));
        Assert.Equal(["Ingestion", "Customers", "Lifecycle", "Audit", "Analytics", "Privacy", "Operations"], ApiReference.Tags.Select(t => t.Name));
        var firstTagOfEachPath = Operations(document).Select(o => (string)o.Operation["tags"]![0]!).Distinct().ToList();
        Assert.Equal(ApiReference.Tags.Select(t => t.Name).Where(firstTagOfEachPath.Contains), firstTagOfEachPath);
    }

    [GeneratedRegex(@"^\| `(?<endpoint>(GET|POST) /api/\S+)` \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [GeneratedRegex(@"^#{3,4} (?<endpoint>(GET|POST) /api/[^\s?]+)", RegexOptions.Multiline)]
    private static partial Regex Heading();
}
