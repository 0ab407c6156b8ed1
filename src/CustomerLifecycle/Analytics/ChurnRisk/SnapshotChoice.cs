using CustomerLifecycle.Analytics.Clv;
using Marten;

namespace CustomerLifecycle.Analytics.ChurnRisk;

/// <summary>
/// Which snapshot a population view reads: the one asked for if it has results (completed, or degraded: then its
/// status and problems go with every answer), or the newest completed full-scope fit. A degraded fit is never the default.
/// </summary>
public static class SnapshotChoice
{
    public static async Task<(ClvSnapshot? Snapshot, IResult? Problem)> ResolveAsync(IQuerySession session, Guid? snapshotId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (snapshotId is { } id)
        {
            var chosen = await session.LoadAsync<ClvSnapshot>(id, ct);
            return chosen switch
            {
                null => (null, ClvFits.UnknownSnapshot(id)),
                { HasResults: true } => (chosen, null),
                { Status: FitStatus.Failed } => (null, Results.Problem(statusCode: 409, title: "CLV snapshot failed",
                    detail: $"Snapshot {id} failed and values no customer: {string.Join("; ", chosen.Problems.Select(p => p.Detail).DefaultIfEmpty(chosen.Error ?? "no reason recorded"))}.",
                    extensions: new Dictionary<string, object?> { ["problems"] = chosen.Problems })),
                _ => (null, Results.Problem(statusCode: 409, title: "CLV snapshot not completed",
                    detail: $"Snapshot {id} is {Name(chosen.Status)}; its results can be read once it has completed.")),
            };
        }

        // Fits restricted to a prefix or source describe part of the population; only a full fit is the default.
        var latest = await session.Query<ClvSnapshot>()
            .Where(s => s.FullScope && s.Status == FitStatus.Completed)
            .OrderByDescending(s => s.CompletedAt)
            .FirstOrDefaultAsync(ct);
        return latest is null
            ? (null, Results.Problem(statusCode: 404, title: "No CLV snapshot yet",
                detail: "No full-scope CLV fit has completed. Start one with POST /api/analytics/clv/fits, or name a snapshot with snapshotId."))
            : (latest, null);
    }

    public static string Name(FitStatus status) => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    /// <summary>"at_risk", "AtRisk" and "atrisk" all name the same enum value; numbers name none.</summary>
    public static bool TryParseName<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        value = default;
        return text is not null && !int.TryParse(text, out _)
            && Enum.TryParse(text.Replace("_", "", StringComparison.Ordinal), ignoreCase: true, out value) && Enum.IsDefined(value);
    }
}
