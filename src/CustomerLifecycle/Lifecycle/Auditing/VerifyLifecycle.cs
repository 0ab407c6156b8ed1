using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Lifecycle.Journeys;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Auditing;

/// <param name="CustomerId">One customer; omit to walk all customers a page at a time.</param>
/// <param name="After">Continue after this customer id (the previous answer's <c>NextAfter</c>).</param>
/// <param name="Limit">Customers per call, 1..5000.</param>
public sealed record VerifyRequest(string? CustomerId = null, string? After = null, int Limit = 1000);

public sealed record VerifyDifference(
    string CustomerId,
    string ReadModelRuleSetVersion,
    IReadOnlyList<StageChange> OnlyInReadModel,
    IReadOnlyList<StageChange> OnlyInRecomputation,
    IReadOnlyList<Guid> StoreIdsMissingFromReadModel);

public sealed record VerifyReport(string RuleSetVersion, int Checked, int Consistent, IReadOnlyList<VerifyDifference> Differences, string? NextAfter);

/// <summary>
/// Recomputes customers' transitions from their raw event streams with the current rules and compares them with the
/// read model's believed history. A difference means the projection is behind (events missing), the rules changed
/// since it was built (rule-set versions differ), or a defect: each is listed so an operator can tell which.
/// Read-only: nothing is changed.
/// </summary>
public static class VerifyLifecycle
{
    public const int MaxLimit = 5000;

    [WolverinePost("/api/lifecycle/verify", Name = "VerifyLifecycle"), Authorize(Policy = Scopes.Operate), Tags("Audit")]
    [EndpointSummary("Recompute transitions from the raw streams and report differences from the read model")]
    [ProducesResponseType<VerifyReport>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    public static async Task<IResult> Post(VerifyRequest request, IQuerySession session, RuleSet rules, CancellationToken ct)
    {
        if (request.Limit is < 1 or > MaxLimit)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"must be between 1 and {MaxLimit}"] });
        }

        IReadOnlyList<CustomerJourney> journeys;
        if (request.CustomerId is { } one)
        {
            var journey = await session.LoadAsync<CustomerJourney>(one, ct);
            if (journey is null)
            {
                return Results.Problem(statusCode: 404, title: "Unknown customer", detail: $"No lifecycle is known for customer '{one}'.");
            }

            journeys = [journey];
        }
        else
        {
            journeys = await JourneyPages.ReadAsync(session, request.After, request.Limit, ct);
        }

        var ids = journeys.Select(j => j.Id).ToList();
        var raw = await JourneyPages.RawFactsAsync(session, ids, ct);
        var logs = await JourneyPages.TransitionLogsAsync(session, ids, ct);
        var differences = new List<VerifyDifference>();
        foreach (var journey in journeys)
        {
            // The journey has folded every event of its stream up to its last sequence; later ones are on their way.
            var facts = raw[journey.Id].ToList();
            var folded = facts.Where(f => f.Sequence <= journey.LastSequence).ToList();
            var recomputed = LifecycleJournal.Replay(folded, rules, journey.Horizon ?? DateTimeOffset.MinValue).Changes;
            var comparison = HistoryComparison.Compare(LifecycleJournal.Believed(logs[journey.Id]), recomputed);
            var missing = facts.Where(f => f.Sequence > journey.LastSequence).Select(f => f.EventId).ToList();
            if (!comparison.IsConsistent || missing.Count > 0 || folded.Count != journey.Facts)
            {
                differences.Add(new VerifyDifference(journey.Id, journey.RuleSetVersion, comparison.OnlyBelieved, comparison.OnlyRecomputed, missing));
            }
        }

        var next = request.CustomerId is null && journeys.Count == request.Limit ? journeys[^1].Id : null;
        return Results.Ok(new VerifyReport(rules.Version, journeys.Count, journeys.Count - differences.Count, differences, next));
    }
}
