using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Auditing;

/// <param name="Rules">The candidate: any RuleSet fields to change (e.g. {"atRiskAfterDays": 60}); the rest stay as today.</param>
/// <param name="AsOf">Evaluate both rule sets at this business time, from the touchpoints that had happened by then; default now.</param>
/// <param name="Sample">At most this many customers (in id order); default all, up to 100,000.</param>
/// <param name="KnownAt">Use only touchpoints recorded by this time (what the service knew then); default everything recorded.</param>
public sealed record WhatIfRequest(JsonObject Rules, DateTimeOffset? AsOf = null, int? Sample = null, DateTimeOffset? KnownAt = null);

public sealed record WhatIfReport(
    string CurrentVersion, string CandidateVersion, DateTimeOffset AsOf, DateTimeOffset? KnownAt, int Customers, int Moved,
    IReadOnlyList<StageShiftCell> Matrix, IReadOnlyList<StageShift> MovedCustomers, bool MovedCustomersTruncated);

/// <summary>
/// "What would change under new rules?": replays every customer's touchpoints that had happened by <c>asOf</c>
/// (and were recorded by <c>knownAt</c>) under the current and the candidate rule set and reports who would have
/// stood in another stage at <c>asOf</c>, as a from→to matrix and a list. Nothing is
/// written; the read models keep the current rules until a rebuild with new configuration.
/// </summary>
public static class WhatIfRules
{
    public const int MaxSample = 100_000;
    public const int MaxListed = 1_000;
    private const int Page = 1_000;

    [WolverinePost("/api/lifecycle/what-if", Name = "WhatIfRules"), Authorize(Policy = Scopes.Operate), Tags("Audit")]
    [EndpointSummary("Compare stages under a candidate rule set without changing anything")]
    [ProducesResponseType<WhatIfReport>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Post(WhatIfRequest request, IQuerySession session, RuleSet rules, TimeProvider clock, CancellationToken ct)
    {
        var (candidate, errors) = Candidate(rules, request.Rules);
        if (request.Sample is < 1 or > MaxSample)
        {
            errors["sample"] = [$"must be between 1 and {MaxSample}"];
        }

        if (request.AsOf is { } requestedAsOf && !Journeys.JourneyAnalytics.IsQueryable(requestedAsOf))
        {
            errors["asOf"] = [$"must be {Journeys.JourneyAnalytics.QueryableRange}"];
        }

        if (candidate is null || errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var asOf = request.AsOf ?? clock.Now();
        var limit = request.Sample ?? MaxSample;
        var matrix = StageShiftMatrix.Empty;
        var moved = new List<StageShift>();
        var seen = 0;
        string? after = null;
        while (seen < limit)
        {
            var page = await JourneyPages.ReadAsync(session, after, Math.Min(Page, limit - seen), ct);
            if (page.Count == 0)
            {
                break;
            }

            var facts = await JourneyPages.RawFactsAsync(session, page.Select(j => j.Id).ToList(), ct);
            var shifts = WhatIf.Run(page.SelectMany(j => facts[j.Id].Where(f => f.Sequence <= j.LastSequence)), rules, candidate, asOf, request.KnownAt);
            matrix = matrix.Merge(StageShiftMatrix.Of(shifts));
            moved.AddRange(shifts.Where(s => s.Changed).Take(MaxListed - moved.Count));
            seen += page.Count;
            after = page[^1].Id;
        }

        return Results.Ok(new WhatIfReport(rules.Version, candidate.Version, asOf, request.KnownAt, matrix.Customers, matrix.Changed, matrix.Cells, moved, matrix.Changed > moved.Count));
    }

    /// <summary>Today's rules with the requested fields replaced; unknown fields and invalid values are errors keyed rules.field.</summary>
    public static (RuleSet? Candidate, Dictionary<string, string[]> Errors) Candidate(RuleSet current, JsonObject? changes)
    {
        var errors = new Dictionary<string, string[]>();
        if (changes is null)
        {
            errors["rules"] = ["is required: the rule-set fields to change, e.g. {\"atRiskAfterDays\": 60}"];
            return (null, errors);
        }

        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        };
        var merged = JsonSerializer.SerializeToNode(current with { Version = current.Version + "-candidate" }, options)!.AsObject();
        foreach (var (name, value) in changes)
        {
            merged[name] = value?.DeepClone();
        }

        RuleSet candidate;
        try
        {
            candidate = merged.Deserialize<RuleSet>(options)!;
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } p ? p[2..] : null;
            var type = typeof(RuleSet).GetProperties().FirstOrDefault(r => string.Equals(r.Name, field, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            errors[field is null ? "rules" : "rules." + field] = [type is null ? "is not valid: see the RuleSet fields in docs/lifecycle.md" : ApiVocabulary.Expected(type)];
            return (null, errors);
        }

        foreach (var error in candidate.Validate())
        {
            errors["rules." + JsonNamingPolicy.CamelCase.ConvertName(error.Field)] = [error.Message];
        }

        return (candidate, errors);
    }
}
