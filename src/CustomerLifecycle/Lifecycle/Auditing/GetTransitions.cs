using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Lifecycle.Journeys;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Auditing;

public sealed record TransitionLog(string CustomerId, DateTimeOffset? EvaluatedThrough, string RuleSetVersion, IReadOnlyList<StageTransition> Transitions);

public sealed record StageAsOf(string CustomerId, DateTimeOffset AsOf, DateTimeOffset? KnownAt, LifecycleStage? Stage, StageTransition? Because);

/// <summary>
/// The audit trail: every transition ever believed, with its rule, rule-set version, cause and both times, including
/// the ones a late event later showed wrong (SupersededAt) and the corrections that replaced them (IsCorrection).
/// </summary>
public static class GetTransitions
{
    [WolverineGet("/api/customers/{customerId}/transitions", Name = "GetTransitions"), Authorize(Policy = Scopes.Operate), Tags("Audit")]
    [EndpointSummary("Every stage transition of a customer with its cause and rule, corrections included")]
    [ProducesResponseType<TransitionLog>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    /// <param name="includeWithdrawn">Also list transitions produced and replaced at the same instant (no reader ever saw them).</param>
    public static async Task<IResult> Get(string customerId, IQuerySession session, CancellationToken ct, bool includeWithdrawn = false)
    {
        return await ReadAsync(customerId, session, includeWithdrawn, ct) is { } log ? Results.Ok(log) : Unknown(customerId);
    }

    /// <summary>The transition log, or null when no lifecycle is known for the customer (the endpoint and the console share it).</summary>
    public static async Task<TransitionLog?> ReadAsync(string customerId, IQuerySession session, bool includeWithdrawn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var journey = await session.LoadAsync<CustomerJourney>(customerId, ct);
        if (journey is null)
        {
            return null;
        }

        var log = await JourneyPages.TransitionLogAsync(session, customerId, ct);
        return new TransitionLog(customerId, journey.Horizon, journey.RuleSetVersion, [.. log.Where(t => includeWithdrawn || !t.IsWithdrawn)]);
    }

    /// <summary>
    /// The stage at business time <paramref name="asOf"/>; with <paramref name="knownAt"/>, as the service believed it
    /// at that moment (before any later correction).
    /// </summary>
    [WolverineGet("/api/customers/{customerId}/stage", Name = "GetStageAsOf"), Authorize(Policy = Scopes.Operate), Tags("Audit")]
    [EndpointSummary("A customer's stage at a past time, optionally as it was known at a past time")]
    [ProducesResponseType<StageAsOf>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    [ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> GetStage(string customerId, IQuerySession session, CancellationToken ct, DateTimeOffset? asOf = null, DateTimeOffset? knownAt = null)
    {
        if (asOf is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["asOf"] = ["is required: an ISO 8601 timestamp, e.g. 2026-06-30T00:00:00Z"] });
        }

        var journey = await session.LoadAsync<CustomerJourney>(customerId, ct);
        if (journey is null)
        {
            return Unknown(customerId);
        }

        var log = await JourneyPages.TransitionLogAsync(session, customerId, ct);
        var history = knownAt is { } known ? LifecycleJournal.BelievedAt(log, known) : LifecycleJournal.Believed(log);
        var because = history.LastOrDefault(t => t.EffectiveAt <= asOf.Value);
        return Results.Ok(new StageAsOf(customerId, asOf.Value, knownAt, because?.To, because));
    }

    private static IResult Unknown(string customerId) =>
        Results.Problem(statusCode: 404, title: "Unknown customer", detail: $"No lifecycle is known for customer '{customerId}'.");
}
