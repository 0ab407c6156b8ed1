using CustomerLifecycle.Analytics.ChurnRisk;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Infrastructure.Telemetry;
using CustomerLifecycle.Lifecycle;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerLifecycle.Analytics.Clv;

/// <summary>
/// Runs one fit: reads the payments, fits BG/NBD and Gamma-Gamma, checks the holdout, values every customer with
/// their churn signals and writes the results, keeping the snapshot document up to date as its status. Idempotent:
/// running it again for a snapshot that did not finish (the service stopped mid-fit) starts that fit over.
/// </summary>
public sealed partial class ClvFitter(
    IDocumentStore store, NpgsqlDataSource dataSource, ClvSources sources, RuleSet rules, IOptions<ClvDefaults> defaults, TimeProvider clock, LifecycleMetrics metrics, ILogger<ClvFitter> logger)
{
    /// <summary>Customers valued and written per step; also how often progress is reported.</summary>
    public const int ChunkSize = 2_000;

    public async Task RunAsync(Guid snapshotId, CancellationToken ct)
    {
        ClvSnapshot? snapshot;
        await using (var query = store.QuerySession())
        {
            snapshot = await query.LoadAsync<ClvSnapshot>(snapshotId, ct);
        }

        if (snapshot is null || snapshot.Status is FitStatus.Completed or FitStatus.Failed)
        {
            return;
        }

        snapshot = snapshot with { Status = FitStatus.Running, StartedAt = clock.Now(), Progress = new FitProgress("reading purchases", 0, 0) };
        await SaveAsync(snapshot, ct);
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            var running = snapshot;
            var (outcome, nothingToFit) = await FitAsync(snapshot, progress => SaveAsync(running = running with { Progress = progress }, ct), ct);
            if (outcome is null)
            {
                LogNothingToFit(logger, snapshotId, nothingToFit!);
                await SaveAsync(snapshot with { Status = FitStatus.Failed, CompletedAt = clock.Now(), Error = nothingToFit }, ct);
                metrics.Fitted("nothing_to_fit", TimeProvider.System.GetElapsedTime(started));
                return;
            }

            await SaveAsync(snapshot with
            {
                Status = FitStatus.Completed,
                CompletedAt = clock.Now(),
                Outcome = outcome,
                Progress = new FitProgress("completed", outcome.Customers, outcome.Customers),
            }, ct);
            await ClvResults.PurgeOlderAsync(dataSource, defaults.Value.KeepResultsOfSnapshots, ct);
            metrics.Fitted("completed", TimeProvider.System.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed fit is a finished fit: retrying the same data would fail the same way. Stopping is not failing:
            // cancellation propagates and the durable queue runs the fit again when the service is back.
            LogFitFailed(logger, snapshotId, ex);
            await SaveAsync(snapshot with { Status = FitStatus.Failed, CompletedAt = clock.Now(), Error = ex.Message }, CancellationToken.None);
            metrics.Fitted("failed", TimeProvider.System.GetElapsedTime(started));
        }
    }

    /// <returns>The outcome, or why there was nothing to fit (not an error: an empty scope or window).</returns>
    private async Task<(ClvFitOutcome? Outcome, string? NothingToFit)> FitAsync(ClvSnapshot snapshot, Func<FitProgress, Task> report, CancellationToken ct)
    {
        var settings = snapshot.Settings;
        var dataEnd = settings.HoldoutEnd is { } holdoutEnd ? new DateTimeOffset(holdoutEnd.AddDays(1), TimeOnly.MinValue, TimeSpan.Zero) : settings.CalibrationCutoff;
        var inputs = new ClvFitInputs(settings, dataEnd);
        await foreach (var customerPayments in sources.PaymentsByCustomerAsync(settings, dataEnd, ct))
        {
            inputs.Add(customerPayments);
        }

        var customers = inputs.Customers;
        if (customers.Count == 0)
        {
            return (null, $"No purchase in {settings.Currency} between {settings.ObservationStart:yyyy-MM-dd} and {settings.CalibrationEnd:yyyy-MM-dd} in this scope: there is nothing to fit.");
        }

        await report(new FitProgress("fitting models", 0, 2));
        var transactionFit = BgNbd.Fit(customers.Select(c => c.Summary).ToArray());
        var spendObservations = customers.Where(c => c.Frequency > 0 && c.MonetaryValue > 0).Select(c => c.Spend!.Value).ToArray();
        await report(new FitProgress("fitting models", 1, 2));
        var spendFit = spendObservations.Length > 0 ? GammaGamma.Fit(spendObservations) : null;
        var holdout = settings.HoldoutEnd is { } end ? Holdout(transactionFit.Parameters, customers, inputs.HoldoutTransactions, settings, end) : null;

        var models = new FittedModels(transactionFit.Parameters, spendFit?.Parameters, settings);
        var totals = await ValueCustomersAsync(snapshot.Id, models, customers, inputs.NetRevenue, report, ct);
        var (p, s) = (transactionFit.Parameters, spendFit?.Parameters);
        return (new ClvFitOutcome(
            customers.Count,
            spendObservations.Length,
            inputs.Orders,
            inputs.FullyRefundedOrders,
            inputs.UnmatchedRefunds,
            new TransactionModelFit(p.R, p.Alpha, p.A, p.B, transactionFit.LogLikelihood, transactionFit.Iterations, transactionFit.Converged),
            s is null ? null : new SpendModelFit(s.P, s.Q, s.Gamma, spendFit!.LogLikelihood, spendFit.Iterations, spendFit.Converged, spendObservations.Length),
            holdout,
            totals), null);
    }

    private static HoldoutCheck Holdout(
        BgNbdParameters parameters, IReadOnlyList<CustomerPurchaseSummary> customers, IReadOnlyDictionary<string, int> actual, ClvFitSettings settings,
        DateOnly holdoutEnd)
    {
        var weeks = settings.Period.Between(settings.CalibrationEnd, holdoutEnd);
        var comparison = HoldoutValidation.ByCalibrationFrequency(parameters, customers, actual, weeks);
        return new HoldoutCheck(holdoutEnd, weeks, comparison.TotalPredicted, comparison.TotalActual, comparison.Buckets);
    }

    private async Task<ClvTotals> ValueCustomersAsync(
        Guid snapshotId, FittedModels models, IReadOnlyList<CustomerPurchaseSummary> customers, IReadOnlyDictionary<string, decimal> netRevenue,
        Func<FitProgress, Task> report, CancellationToken ct)
    {
        var settings = models.Settings;
        var rfm = CustomerValuation.RfmScores(customers, netRevenue);
        // Signals as of the end of calibration, but never beyond what has happened: a calibration ending today ends tonight.
        var asOf = settings.CalibrationCutoff < clock.Now() ? settings.CalibrationCutoff : clock.Now();
        double? totalClv = models.Spend is null ? null : 0, totalValueAtRisk = models.Spend is null ? null : 0;
        double sumAlive = 0, sumRisk = 0;
        decimal revenue = 0;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await ClvResults.DeleteAsync(connection, snapshotId, ct);
        var done = 0;
        foreach (var chunk in customers.Chunk(ChunkSize))
        {
            await report(new FitProgress("valuing customers", done, customers.Count));
            var facts = await sources.JourneyFactsAsync([.. chunk.Select(c => c.CustomerId)], ct);
            var values = chunk.Select(c => CustomerValuation.Value(
                    models,
                    c,
                    netRevenue.GetValueOrDefault(c.CustomerId),
                    rfm[c.CustomerId],
                    facts.TryGetValue(c.CustomerId, out var known) ? ChurnSignals.Evaluate(known, asOf, rules, settings.ChurnWeights) : []))
                .ToList();
            await ClvResults.WriteAsync(connection, snapshotId, values, ct);
            foreach (var value in values)
            {
                totalClv += value.Clv ?? 0;
                totalValueAtRisk += value.ValueAtRisk ?? 0;
                sumAlive += value.ProbabilityAlive;
                sumRisk += value.Churn.Risk;
                revenue += value.NetRevenue;
            }

            done += chunk.Length;
        }

        return new ClvTotals(totalClv, totalValueAtRisk, sumAlive / customers.Count, sumRisk / customers.Count, revenue);
    }

    private async Task SaveAsync(ClvSnapshot snapshot, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Store(snapshot);
        await session.SaveChangesAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CLV fit {SnapshotId} had nothing to fit: {Reason}")]
    private static partial void LogNothingToFit(ILogger logger, Guid snapshotId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "CLV fit {SnapshotId} failed")]
    private static partial void LogFitFailed(ILogger logger, Guid snapshotId, Exception ex);
}
