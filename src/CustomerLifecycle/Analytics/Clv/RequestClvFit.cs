using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Infrastructure.Http;
using CustomerLifecycle.Infrastructure.Security;
using CustomerLifecycle.Infrastructure.Store;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>"Fit the CLV models for this snapshot": handled on a durable local queue, one fit at a time.</summary>
public sealed record FitClvModel(Guid SnapshotId);

/// <summary>What GET /api/analytics/clv/fits/{id} answers while a fit runs and after.</summary>
public sealed record ClvFitStatus(
    Guid Id, FitStatus Status, FitProgress Progress, DateTimeOffset RequestedAt, string RequestedBy,
    DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, string? Error, IReadOnlyList<FitProblem> Problems, string Snapshot)
{
    public static ClvFitStatus Of(ClvSnapshot s) =>
        new(s.Id, s.Status, s.Progress, s.RequestedAt, s.RequestedBy, s.StartedAt, s.CompletedAt, s.Error, s.Problems, ClvFits.SnapshotsRoute + "/" + s.Id);
}

public static class ClvFits
{
    public const string Route = "/api/analytics/clv/fits";
    public const string SnapshotsRoute = "/api/analytics/clv/snapshots";
    public const string Queue = "clv-fits";

    /// <summary>A queued snapshot document and the message that will run it; store both in one transaction (the outbox).</summary>
    public static (ClvSnapshot Snapshot, FitClvModel Message) Queued(ClvFitSettings settings, string requestedBy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var snapshot = new ClvSnapshot
        {
            Id = Guid.CreateVersion7(now),
            Status = FitStatus.Queued,
            Settings = settings,
            FullScope = settings.CustomerPrefix is null && settings.Source is null,
            RequestedAt = now,
            RequestedBy = requestedBy,
        };
        return (snapshot, new FitClvModel(snapshot.Id));
    }

    /// <summary>
    /// Starts a fit in the background. The snapshot document and the queued message commit together (Wolverine's
    /// Marten outbox), so an accepted fit is never lost and never runs without its document.
    /// </summary>
    [WolverinePost(Route, Name = "RequestClvFit"), Authorize(Policy = Scopes.Operate), Tags("Analytics")]
    [EndpointSummary("Fit the CLV models (a named purchase model or the best on the holdout, Gamma-Gamma, the churn risk) in the background; answers with the fit's status resource")]
    [ProducesResponseType<ClvFitStatus>(202), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> Post(
        ClvFitRequest request, HttpContext http, IDocumentSession session, IMessageBus bus,
        IOptions<ClvDefaults> defaults, IOptions<ChurnSignalWeights> weights, TimeProvider clock)
    {
        var now = clock.Now();
        var (settings, errors) = request.Resolve(defaults.Value, weights.Value, DateOnly.FromDateTime(now.UtcDateTime));
        if (settings is null)
        {
            return Results.ValidationProblem(errors, title: "The fit request is invalid");
        }

        var maxQueued = defaults.Value.MaxQueuedFits;
        if (await session.Query<ClvSnapshot>().CountAsync(s => s.Status == FitStatus.Queued, http.RequestAborted) >= maxQueued)
        {
            return TooBusy.Problem(http, "Too many CLV fits queued",
                $"{maxQueued} fits are already waiting to run (Analytics:Clv:MaxQueuedFits); retry when one has finished.", retryAfterSeconds: 30);
        }

        var (snapshot, message) = Queued(settings, http.User.Identity?.Name ?? "unknown", now);
        session.Store(snapshot);
        await bus.PublishAsync(message);
        return Results.Accepted($"{Route}/{snapshot.Id}", ClvFitStatus.Of(snapshot));
    }

    [WolverineGet(Route + "/{id}", Name = "GetClvFit"), Authorize(Policy = Scopes.Operate), Tags("Analytics")]
    [EndpointSummary("A CLV fit's status and progress")]
    [ProducesResponseType<ClvFitStatus>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<ClvSnapshot>(id, ct) is { } snapshot ? Results.Ok(ClvFitStatus.Of(snapshot)) : UnknownSnapshot(id);

    public static IResult UnknownSnapshot(Guid id) =>
        Results.Problem(statusCode: 404, title: "Unknown CLV snapshot", detail: $"No CLV fit or snapshot has the id {id}.");
}

/// <summary>Runs queued fits. The fit's own token is the service's lifetime, not the message's: a fit takes as long as its data needs.</summary>
public static class FitClvModelHandler
{
    /// <summary>
    /// A fit that meets the store away (a restart, killed connections) before it could record its start or its end
    /// runs again once the store is back; dead-lettered, it would leave its snapshot queued or running for good, and
    /// the refit schedule waits for that one to finish.
    /// </summary>
    public static void Configure(HandlerChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.OnException(ProblemHandling.IsStoreUnavailable, "PostgreSQL unavailable")
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15))
            .Then.ScheduleRetryIndefinitely(TimeSpan.FromSeconds(30));
    }

    public static Task Handle(FitClvModel message, ClvFitter fitter, IHostApplicationLifetime lifetime) =>
        fitter.RunAsync(message.SnapshotId, lifetime.ApplicationStopping);
}
