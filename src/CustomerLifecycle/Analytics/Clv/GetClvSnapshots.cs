using CustomerLifecycle.Infrastructure.Security;
using Marten;
using Marten.Linq;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Wolverine.Http;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>One line of the snapshot list: enough to pick a snapshot, without the holdout table.</summary>
/// <param name="PurchaseModel">The purchase model the snapshot used (bgnbd, mbgnbd or paretonbd); absent before it was fitted.</param>
public sealed record ClvSnapshotSummary(
    Guid Id, FitStatus Status, bool FullScope, DateTimeOffset RequestedAt, string RequestedBy, DateTimeOffset? CompletedAt, string Currency,
    DateOnly ObservationStart, DateOnly CalibrationEnd, DateOnly? HoldoutEnd, string? CustomerPrefix, string? Source,
    int? Customers, TransactionModelFit? TransactionModel, SpendModelFit? SpendModel, ChurnModelFit? ChurnModel, double? ChurnAuc, string? Error,
    IReadOnlyList<FitProblem> Problems, string? PurchaseModel)
{
    public static ClvSnapshotSummary Of(ClvSnapshot s) => new(
        s.Id, s.Status, s.FullScope, s.RequestedAt, s.RequestedBy, s.CompletedAt, s.Settings.Currency, s.Settings.ObservationStart, s.Settings.CalibrationEnd,
        s.Settings.HoldoutEnd, s.Settings.CustomerPrefix, s.Settings.Source, s.Outcome?.Customers, s.Outcome?.TransactionModel, s.Outcome?.SpendModel,
        s.Outcome?.ChurnModel, s.Outcome?.ChurnHoldout?.Auc, s.Error, s.Problems, s.Outcome?.PurchaseModel?.Model);
}

public sealed record ClvSnapshotPage(long Total, int Offset, int Limit, IReadOnlyList<ClvSnapshotSummary> Snapshots);

/// <summary>The model fits, newest first, and each one in full (parameters, likelihoods, holdout check, totals).</summary>
public static class GetClvSnapshots
{
    public const int MaxLimit = 200;

    [WolverineGet(ClvFits.SnapshotsRoute, Name = "GetClvSnapshots"), Authorize(Policy = Scopes.Read), Tags("Analytics")]
    [EndpointSummary("CLV snapshots, newest first")]
    [ProducesResponseType<ClvSnapshotPage>(200), ProducesResponseType<HttpValidationProblemDetails>(400, "application/problem+json")]
    public static async Task<IResult> List(IQuerySession session, CancellationToken ct, string? status = null, int offset = 0, int limit = 20)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        FitStatus? wanted = null;
        if (status is not null)
        {
            if (ChurnRisk.SnapshotChoice.TryParseName<FitStatus>(status, out var parsed))
            {
                wanted = parsed;
            }
            else
            {
                errors["status"] = [$"must be one of {string.Join(", ", Enum.GetValues<FitStatus>().Select(ChurnRisk.SnapshotChoice.Name))}"];
            }
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors["limit"] = [$"must be between 1 and {MaxLimit}"];
        }

        if (offset < 0)
        {
            errors["offset"] = ["must be 0 or more"];
        }

        if (errors.Count > 0)
        {
            return Results.ValidationProblem(errors);
        }

        var query = session.Query<ClvSnapshot>().AsQueryable();
        if (wanted is { } only)
        {
            query = query.Where(s => s.Status == only);
        }

        var page = await query.Stats(out var stats).OrderByDescending(s => s.RequestedAt).Skip(offset).Take(limit).ToListAsync(ct);
        return Results.Ok(new ClvSnapshotPage(stats.TotalResults, offset, limit, [.. page.Select(ClvSnapshotSummary.Of)]));
    }

    [WolverineGet(ClvFits.SnapshotsRoute + "/{id}", Name = "GetClvSnapshot"), Authorize(Policy = Scopes.Read), Tags("Analytics")]
    [EndpointSummary("One CLV snapshot: parameters, log-likelihoods, holdout check, options and totals")]
    [ProducesResponseType<ClvSnapshot>(200), ProducesResponseType<ProblemDetails>(404, "application/problem+json")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<ClvSnapshot>(id, ct) is { } snapshot ? Results.Ok(snapshot) : ClvFits.UnknownSnapshot(id);
}
