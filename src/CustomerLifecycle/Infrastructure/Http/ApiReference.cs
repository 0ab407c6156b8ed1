using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CustomerLifecycle.Infrastructure.Http;

/// <summary>
/// Makes the OpenAPI document (and the Scalar page built from it) something a newcomer can learn from: tags in the
/// order of the user's journey with what each holds, operations in that order, a description per operation naming
/// the scope it needs and where docs/api.md explains it, a description per parameter, and required parameters marked.
/// </summary>
public sealed class ApiReference : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    /// <summary>Ingest, then look at customers, then the lifecycle and its audit, then analytics, then operate.</summary>
    public static readonly IReadOnlyList<(string Name, string Description)> Tags =
    [
        ("Ingestion", "Record touchpoints one by one, in batches, or as a transaction log; read what was rejected."),
        ("Customers", "One customer: the stored events, the lifecycle profile, the value."),
        ("Lifecycle", "Across customers: stages now or at a past date, funnel, time in stage, cohort retention."),
        ("Audit", "Why a customer is where they are: transitions with causes, the stage as of a time, verify, what-if."),
        ("Analytics", "CLV fits and snapshots, churn-risk lists and segments."),
        ("Privacy", "Erase a customer's personal data."),
        ("Operations", "Projection progress, lag and rebuilds."),
    ];

    private static readonly Dictionary<string, string> ParameterDescriptions = new(StringComparer.Ordinal)
    {
        ["customerId"] = "The customer's id, as the touchpoints carry it.",
        ["asOf"] = "A business time, ISO 8601 (e.g. 2026-06-30T00:00:00Z): the answer as things stood then.",
        ["knownAt"] = "A knowledge time, ISO 8601: the answer as the service believed it then (before later corrections).",
        ["channel"] = "Only customers acquired through this channel (the first touch's channel).",
        ["cohort"] = "Only customers whose first purchase was in this month, yyyy-MM.",
        ["limit"] = "Items per page.",
        ["offset"] = "Items to skip (paging).",
        ["sort"] = "The order of the list.",
        ["order"] = "asc or desc.",
        ["from"] = "Start of the window.",
        ["to"] = "End of the window.",
        ["by"] = "Split the answer: channel (one funnel per acquisition channel) or cohort (one per first-seen month).",
        ["currency"] = "Three-letter currency code, e.g. USD.",
        ["source"] = "The touchpoint source recorded on every imported purchase, e.g. cdnow.",
        ["customerPrefix"] = "Prepended to every imported customer id, to keep this import's customers apart.",
        ["fromVersion"] = "The first stream version to return (1 = the customer's first event).",
        ["before"] = "Only rejections before this one (the previous page's last id).",
        ["eventId"] = "Only rejections of the touchpoint with this client event id.",
        ["reason"] = "Only rejections for this reason (see docs/api.md, Rejection reasons).",
        ["format"] = "json (pages) or csv (the whole list).",
        ["id"] = "The fit's (snapshot's) id, as POST /api/analytics/clv/fits answered it.",
        ["snapshotId"] = "A completed or degraded CLV snapshot's id; default the newest completed full-scope one (a degraded fit is never the default).",
        ["includeWithdrawn"] = "true also lists transitions later shown wrong (superseded).",
        ["maxOffset"] = "How many months after each cohort's own month to follow it, 0-60.",
        ["projection"] = "The projection to rebuild, as GET /api/projections names it.",
        ["segment"] = "Only customers of this RFM segment, e.g. champions.",
        ["stage"] = "A lifecycle stage in snake_case: prospect, engaged, trial, customer, repeat_customer, loyal, advocate, at_risk, churned, won_back.",
        ["status"] = "Only fits in this status: queued, running, completed, degraded, failed or no_data.",
    };

    // Where one name means something else on one endpoint, keyed by "path parameter".
    private static readonly Dictionary<string, string> EndpointParameterDescriptions = new(StringComparer.Ordinal)
    {
        ["/api/lifecycle/funnel from"] = "Start of the window of first-seen times: an ISO 8601 date or timestamp, e.g. 2026-01-01.",
        ["/api/lifecycle/funnel to"] = "End of the window (exclusive), at most 3 years after from: an ISO 8601 date or timestamp.",
        ["/api/lifecycle/funnel cohort"] = "Only customers first seen in this month, yyyy-MM (here a cohort is the first-seen month).",
        ["/api/lifecycle/cohorts/retention from"] = "The first cohort, a month written yyyy-MM.",
        ["/api/lifecycle/cohorts/retention to"] = "The last cohort (inclusive), yyyy-MM; at most 36 cohorts in all.",
        ["/api/lifecycle/cohorts/retention currency"] = "Only revenue in this currency, e.g. EUR.",
        ["/api/customers/{customerId}/stage asOf"] = "Required. The business time to answer for, ISO 8601, e.g. 2026-06-30T00:00:00Z.",
        ["/api/analytics/churn-risk stage"] = "Only customers in this stage as of the snapshot's calibration end, snake_case.",
        ["/api/analytics/subscriptions/retention interval"] = "The billing interval of the subscriptions to follow: week, month (default), quarter or year; one renewal per interval.",
        ["/api/analytics/subscriptions/retention plan"] = "Only subscriptions of this plan, as subscription_started names it; default every plan.",
        ["/api/analytics/subscriptions/retention currency"] = "The currency of the payments the lifetime value is counted in, e.g. EUR; default Analytics:Clv:Currency.",
        ["/api/analytics/subscriptions/retention customerPrefix"] = "Only subscriptions of customers whose id starts with it.",
        ["/api/analytics/subscriptions/retention asOf"] = "The day (yyyy-MM-dd, not in the future) whose end the cohorts are counted at; default today.",
        ["/api/analytics/subscriptions/retention horizonPeriods"] = "Renewals to project beyond what each cohort has reached, 1-120; default 12.",
        ["/api/analytics/subscriptions/retention discountRatePerPeriod"] = "Discount rate per billing period for the lifetime value, more than 0 and below 1; default 0.01.",
    };

    private static readonly HashSet<string> RequiredQueryParameters = new(StringComparer.Ordinal)
    {
        "/api/lifecycle/funnel from", "/api/lifecycle/funnel to",
        "/api/lifecycle/cohorts/retention from", "/api/lifecycle/cohorts/retention to",
        "/api/customers/{customerId}/stage asOf",
        "/api/imports/transactions source", "/api/imports/transactions currency",
    };

    // A request body a newcomer can send as it is (the README's and docs/api.md's examples).
    private static readonly Dictionary<string, string> RequestExamples = new(StringComparer.Ordinal)
    {
        ["POST /api/touchpoints"] = """
            {"eventId": "shop-order-1001", "customerId": "cust-42", "type": "purchase_completed", "occurredAt": "2026-11-20T10:00:00Z",
             "source": "web-shop", "data": {"orderId": "1001", "amount": 59.90, "currency": "EUR"}}
            """,
        ["POST /api/touchpoints/batch"] = """
            {"touchpoints": [
              {"eventId": "ads-click-77", "customerId": "cust-43", "type": "ad_clicked", "occurredAt": "2026-11-19T08:00:00Z", "source": "ads", "data": {"channel": "search"}},
              {"eventId": "shop-order-1002", "customerId": "cust-43", "type": "purchase_completed", "occurredAt": "2026-11-20T10:00:00Z", "source": "web-shop", "data": {"orderId": "1002", "amount": 19.90, "currency": "EUR"}}]}
            """,
        ["POST /api/lifecycle/what-if"] = """{"rules": {"atRiskAfterDays": 60}, "asOf": "2026-06-30T00:00:00Z"}""",
        ["POST /api/lifecycle/verify"] = """{"after": null, "limit": 1000}""",
        ["POST /api/analytics/clv/fits"] = """{"currency": "USD", "observationStart": "1997-01-01", "calibrationEnd": "1997-09-30", "holdoutEnd": "1998-06-30", "model": "best"}""",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        var rank = Tags.Select((t, i) => (t.Name, i)).ToDictionary(t => t.Name, t => t.i, StringComparer.Ordinal);
        var ordered = new OpenApiPaths();
        int Rank(IOpenApiPathItem item) => item.Operations?.Values
            .SelectMany(o => o.Tags ?? Enumerable.Empty<OpenApiTagReference>())
            .Select(t => rank.GetValueOrDefault(t.Name ?? "", rank.Count))
            .DefaultIfEmpty(rank.Count).Min() ?? rank.Count;
        foreach (var entry in document.Paths.OrderBy(p => Rank(p.Value)).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            ordered[entry.Key] = entry.Value;
        }

        document.Paths = ordered;
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var method = context.Description.HttpMethod ?? "";
        var path = "/" + (context.Description.RelativePath ?? "").Split('?')[0].TrimStart('/');
        var scope = context.Description.ActionDescriptor.EndpointMetadata.OfType<AuthorizeAttribute>().Select(a => a.Policy).FirstOrDefault(p => p is not null);
        operation.Description =
            $"{operation.Summary}. Needs an API key (X-Api-Key) with the `{scope ?? "any"}` scope. Every field, status and example: docs/api.md, section \"{method} {path}\".";
        if (RequestExamples.TryGetValue($"{method} {path}", out var example) && operation.RequestBody?.Content is { } content
            && content.TryGetValue("application/json", out var json) && json is OpenApiMediaType media)
        {
            media.Example = System.Text.Json.Nodes.JsonNode.Parse(example);
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            var key = $"{path} {parameter.Name}";
            parameter.Description ??= EndpointParameterDescriptions.GetValueOrDefault(key) ?? ParameterDescriptions.GetValueOrDefault(parameter.Name ?? "");
            if (RequiredQueryParameters.Contains(key))
            {
                parameter.Required = true;
            }
        }

        return Task.CompletedTask;
    }
}
