using CustomerLifecycle.Lifecycle.Auditing;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Lifecycle.Journeys;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CustomerLifecycle.Lifecycle.Profiles;

public sealed record Acquisition(string? Channel, string? Campaign, string? FirstTouchType, DateTimeOffset? FirstTouchAt, string? Cohort);

public sealed record CustomerProfile(
    string CustomerId,
    LifecycleStage? Stage,
    DateTimeOffset? StageSince,
    DateTimeOffset? FirstSeenAt,
    DateTimeOffset? LastActivityAt,
    Acquisition Acquisition,
    CustomerCounters Counters,
    IReadOnlyList<StageSpell> StageHistory,
    IReadOnlyList<TimeInStage> TimeInStage,
    DateTimeOffset? EvaluatedThrough,
    DateTimeOffset? NextDeadlineAt,
    string RuleSetVersion);

/// <summary>Everything an analyst asks first about one customer, from the customer's journey read model.</summary>
public static class GetCustomerProfile
{
    [WolverineGet("/api/customers/{customerId}/profile", Name = "GetCustomerProfile"), Authorize(Policy = Scopes.Read), Tags("Customers")]
    [EndpointSummary("A customer's lifecycle stage, history, acquisition and counters")]
    [ProducesResponseType<CustomerProfile>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    public static async Task<IResult> Get(string customerId, IQuerySession session, CancellationToken ct) =>
        await ReadAsync(customerId, session, ct) is { } profile
            ? Results.Ok(profile)
            : Results.Problem(statusCode: 404, title: "Unknown customer",
                detail: $"No lifecycle is known for customer '{customerId}' (a touchpoint posted a moment ago may still be on its way into the views).");

    /// <summary>The profile, or null when no lifecycle is known for the customer (the endpoint and the console share it).</summary>
    public static async Task<CustomerProfile?> ReadAsync(string customerId, IQuerySession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var journey = await session.LoadAsync<CustomerJourney>(customerId, ct);
        if (journey is null)
        {
            return null;
        }

        var counters = journey.State.Counters;
        var timeline = LifecycleJournal.TimelineOf(LifecycleJournal.Believed(await JourneyPages.TransitionLogAsync(session, customerId, ct)));
        return new CustomerProfile(
            journey.Id,
            journey.Stage,
            journey.StageSince,
            journey.FirstSeenAt,
            journey.LastActivityAt,
            new Acquisition(journey.AcquisitionChannel, journey.AcquisitionCampaign, counters.FirstTouch?.EventType, counters.FirstTouch?.OccurredAt, journey.Cohort),
            counters,
            timeline,
            LifecycleJournal.TimeInStagesOf(timeline, journey.Horizon),
            journey.Horizon,
            journey.NextDueAt,
            journey.RuleSetVersion);
    }
}
