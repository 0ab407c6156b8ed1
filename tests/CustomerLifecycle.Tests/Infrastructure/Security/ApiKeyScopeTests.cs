using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Tests.Infrastructure.Security;

/// <summary>Walks every /api endpoint the running service exposes, with no key, a wrong key, and each scope's key.</summary>
[Collection(AppFixtureGroup.Name)]
public partial class ApiKeyScopeTests(CustomerLifecycleApp app)
{
    private sealed record ApiEndpoint(string Method, string Route, string Scope);

    private List<ApiEndpoint> Endpoints() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(method => new ApiEndpoint(
                method,
                RouteParameter().Replace(e.RoutePattern.RawText!, "probe-id"),
                e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Single(p => p is not null)!)))
            .ToList();

    private async Task<HttpStatusCode> Call(ApiEndpoint endpoint, string? key)
    {
        using var client = app.ClientWithKey(key);
        using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Route);
        if (endpoint.Method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        return (await client.SendAsync(request)).StatusCode;
    }

    [Fact]
    public void Every_api_endpoint_requires_exactly_one_known_scope()
    {
        var endpoints = Endpoints();
        Assert.NotEmpty(endpoints);
        Assert.All(endpoints, e => Assert.Contains(e.Scope, Scopes.All));
    }

    [Fact]
    public async Task Every_endpoint_refuses_callers_without_a_valid_key_with_401()
    {
        foreach (var endpoint in Endpoints())
        {
            Assert.True(await Call(endpoint, null) == HttpStatusCode.Unauthorized, $"{endpoint} without a key");
            Assert.True(await Call(endpoint, "not-a-real-key") == HttpStatusCode.Unauthorized, $"{endpoint} with an unknown key");
        }
    }

    [Fact]
    public async Task Every_endpoint_answers_403_to_other_scopes_and_lets_its_own_scope_through()
    {
        var keyFor = new Dictionary<string, string> { [Scopes.Ingest] = TestKeys.Ingest, [Scopes.Read] = TestKeys.Read, [Scopes.Operate] = TestKeys.Operate };
        foreach (var endpoint in Endpoints())
        {
            foreach (var (scope, key) in keyFor)
            {
                var status = await Call(endpoint, key);
                if (scope == endpoint.Scope)
                {
                    Assert.True(status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{endpoint} with its own scope gave {status}");
                }
                else
                {
                    Assert.True(status == HttpStatusCode.Forbidden, $"{endpoint} with scope {scope} gave {status}");
                }
            }
        }
    }

    [Fact]
    public async Task A_wrong_key_is_told_apart_from_a_missing_one()
    {
        using var none = app.ClientWithKey(null);
        using var wrong = app.ClientWithKey("not-a-real-key");

        var missing = await (await none.GetAsync("/api/ingestion/rejections")).Content.ReadAsStringAsync();
        var invalid = await (await wrong.GetAsync("/api/ingestion/rejections")).Content.ReadAsStringAsync();

        Assert.Contains("An API key is required", missing, StringComparison.Ordinal);
        Assert.Contains("The API key is not valid", invalid, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
