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
/// Runs one fit: reads the payments, fits BG/NBD, MBG/NBD with the churn weights, Gamma-Gamma, and Pareto/NBD when it
/// is asked for, chooses the purchase model (the one named, or the best on the holdout), judges the fits
/// (<see cref="FitChecks"/>), values every customer with their churn signals unless a fit failed, scores the churn
/// risk on the holdout and writes the results, keeping the snapshot document up to date as its status. Idempotent:
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

        if (snapshot is null || snapshot.HasEnded)
        {
            return;
        }

        snapshot = snapshot with { Status = FitStatus.Running, StartedAt = clock.Now(), Progress = new FitProgress("reading purchases", 0, 0) };
        await SaveAsync(snapshot, ct);
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            var running = snapshot;
            var (outcome, problems, nothingToFit) = await FitAsync(snapshot, progress => SaveAsync(running = running with { Progress = progress }, ct), ct);
            if (outcome is null)
            {
                // Nothing to fit is not a failure (an empty store at first start, a scope without purchases): it says so and serves nothing.
                LogNothingToFit(logger, snapshotId, nothingToFit!);
                await SaveAsync(snapshot with { Status = FitStatus.NoData, CompletedAt = clock.Now(), Error = nothingToFit, Progress = new FitProgress("no data", 0, 0) }, ct);
                metrics.Fitted("nothing_to_fit", TimeProvider.System.GetElapsedTime(started));
                return;
            }

            var status = FitChecks.StatusOf(problems);
            await SaveAsync(snapshot with
            {
                Status = status,
                CompletedAt = clock.Now(),
                Outcome = outcome,
                Problems = problems,
                Error = status == FitStatus.Failed ? string.Join("; ", problems.Where(p => p.Severity == FitProblemSeverity.Fails).Select(p => p.Detail)) : null,
                Progress = new FitProgress(status == FitStatus.Failed ? "refused" : "completed", outcome.Totals is null ? 0 : outcome.Customers, outcome.Customers),
            }, ct);
            if (status != FitStatus.Completed)
            {
                LogFitNotTrusted(logger, snapshotId, status, string.Join("; ", problems.Select(p => p.Code)));
            }

            await ClvResults.PurgeOlderAsync(dataSource, defaults.Value.KeepResultsOfSnapshots, ct);
            metrics.Fitted(status.ToString().ToLowerInvariant(), TimeProvider.System.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A failed fit is a finished fit: retrying the same data would fail the same way. Stopping is not failing:
            // cancellation propagates and the durable queue runs the fit again when the service is back.
            LogFitFailed(logger, snapshotId, ex);
            await SaveAsync(snapshot with
            {
                Status = FitStatus.Failed,
                CompletedAt = clock.Now(),
                Error = ex.Message,
                Problems = [new FitProblem("error", FitProblemSeverity.Fails, ex.Message)],
            }, CancellationToken.None);
            metrics.Fitted("failed", TimeProvider.System.GetElapsedTime(started));
        }
    }

    /// <returns>The outcome and its problems, or why there was nothing to fit (not an error: an empty scope or window).</returns>
    private async Task<(ClvFitOutcome? Outcome, IReadOnlyList<FitProblem> Problems, string? NothingToFit)> FitAsync(
        ClvSnapshot snapshot, Func<FitProgress, Task> report, CancellationToken ct)
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
            return (null, [], $"No purchase in {settings.Currency} between {settings.ObservationStart:yyyy-MM-dd} and {settings.CalibrationEnd:yyyy-MM-dd} in this scope: there is nothing to fit.");
        }

        var requested = settings.Model == PurchaseModelNames.Best ? PurchaseModelNames.Models : [settings.Model];
        var steps = 3 + (requested.Contains(PurchaseModelNames.ParetoNbd) ? 1 : 0);
        await report(new FitProgress("fitting models", 0, steps));
        var summaries = customers.Select(c => c.Summary).ToArray();
        var transactionFit = BgNbd.Fit(summaries);
        await report(new FitProgress("fitting models", 1, steps));
        var dropoutFit = MbgNbd.Fit(summaries);
        var churnModel = ChurnModel(inputs, dropoutFit.Parameters, settings);
        await report(new FitProgress("fitting models", 2, steps));
        var spendObservations = customers.Where(c => c.Frequency > 0 && c.MonetaryValue > 0).Select(c => c.Spend!.Value).ToArray();
        var spendFit = spendObservations.Length > 0 ? GammaGamma.Fit(spendObservations) : null;
        ModelFitResult<ParetoNbdParameters>? paretoFit = null;
        if (requested.Contains(PurchaseModelNames.ParetoNbd))
        {
            await report(new FitProgress("fitting models", 3, steps));
            paretoFit = ParetoNbd.Fit(summaries);
        }

        var (purchaseModel, choice) = ChoosePurchaseModel(settings, requested, transactionFit, dropoutFit, paretoFit, customers, inputs.HoldoutTransactions);
        var holdout = settings.HoldoutEnd is { } end ? Holdout(purchaseModel, customers, inputs.HoldoutTransactions, settings, end) : null;

        var (p, s, d) = (transactionFit.Parameters, spendFit?.Parameters, dropoutFit.Parameters);
        var transactionModel = new TransactionModelFit(p.R, p.Alpha, p.A, p.B, transactionFit.LogLikelihood, transactionFit.Iterations, transactionFit.Converged);
        var spendModel = s is null ? null : new SpendModelFit(s.P, s.Q, s.Gamma, spendFit!.LogLikelihood, spendFit.Iterations, spendFit.Converged, spendObservations.Length);
        var churnFit = new ChurnModelFit(
            d.R, d.Alpha, d.A, d.B, dropoutFit.LogLikelihood, dropoutFit.Iterations, dropoutFit.Converged,
            churnModel.Model.HorizonWeeks, ChurnProbabilityModel.Signals, churnModel.Model.Coefficients, churnModel.WeightsLearned);
        var outcome = new ClvFitOutcome(
            customers.Count, inputs.RepeatCustomers, inputs.Orders, inputs.FullyRefundedOrders, inputs.ZeroValueOrders, inputs.UnmatchedRefunds,
            transactionModel, spendModel, churnFit, holdout, null, null, choice);
        var chosen = choice.Candidates.Single(c => c.Model == choice.Model);
        var problems = FitChecks.Models(customers.Count, inputs.RepeatCustomers, chosen, churnFit, spendModel);
        if (FitChecks.StatusOf(problems) == FitStatus.Failed)
        {
            return (outcome, problems, null);
        }

        var models = new FittedModels(purchaseModel, spendFit?.Parameters, churnModel.Model, settings);
        var (totals, churnHoldout) = await ValueCustomersAsync(snapshot.Id, models, customers, inputs, report, ct);
        return (outcome with { ChurnHoldout = churnHoldout, Totals = totals }, [.. problems, .. FitChecks.Holdout(holdout, churnHoldout, purchaseModel.Name)], null);
    }

    /// <summary>
    /// The candidates asked for (one named model, or the whole family for "best"), each scored on the holdout when
    /// there is one, and the one the snapshot uses.
    /// </summary>
    private static (PurchaseModel Model, PurchaseModelChoice Choice) ChoosePurchaseModel(
        ClvFitSettings settings, IReadOnlyList<string> requested, ModelFitResult<BgNbdParameters> bgnbd, ModelFitResult<MbgNbdParameters> mbgnbd,
        ModelFitResult<ParetoNbdParameters>? paretonbd, IReadOnlyList<CustomerPurchaseSummary> customers, IReadOnlyDictionary<string, int> holdoutTransactions)
    {
        double? holdoutWeeks = settings.HoldoutEnd is { } end ? settings.Period.Between(settings.CalibrationEnd, end) : null;
        PurchaseModelHoldoutScore? Score(PurchaseModel model) =>
            holdoutWeeks is { } weeks ? PurchaseModelHoldout.Score(model, customers, holdoutTransactions, weeks) : null;

        var fitted = requested.Select(name => name switch
            {
                PurchaseModelNames.BgNbd => Fitted(new BgNbdPurchases(bgnbd.Parameters), bgnbd),
                PurchaseModelNames.MbgNbd => Fitted(new MbgNbdPurchases(mbgnbd.Parameters), mbgnbd),
                PurchaseModelNames.ParetoNbd => Fitted(new ParetoNbdPurchases(paretonbd!.Parameters), paretonbd),
                _ => throw new ArgumentOutOfRangeException(nameof(requested), name, "Not a purchase model."),
            })
            .ToList();
        (PurchaseModel Model, PurchaseModelCandidate Candidate) Fitted<TParameters>(PurchaseModel model, ModelFitResult<TParameters> fit) =>
            (model, PurchaseModelCandidate.Of(model, fit, Score(model)));

        var choice = PurchaseModelChoosing.Choose(settings.Model, [.. fitted.Select(f => f.Candidate)]);
        return (fitted.Single(f => f.Candidate.Model == choice.Model).Model, choice);
    }

    /// <summary>The churn model learned from the inner period, or MBG/NBD alone when there is too little to learn from.</summary>
    private static (ChurnProbabilityModel Model, bool WeightsLearned) ChurnModel(ClvFitInputs inputs, MbgNbdParameters dropout, ClvFitSettings settings)
    {
        if (inputs.InnerPeriod is { } inner && inputs.InnerCustomers.Count >= FitChecks.MinCustomers)
        {
            try
            {
                return (ChurnProbabilityModel.Train(inputs.InnerCustomers, inputs.InnerHoldoutTransactions, inner, inputs.Customers, settings.Period, settings.ChurnHorizonWeeks, dropout), true);
            }
            catch (ArgumentException)
            {
                // One-sided or empty inner labels: fall through to the model's own probability.
            }
        }

        return (ChurnProbabilityModel.DropoutOnly(dropout, settings.ChurnHorizonWeeks), false);
    }

    private static HoldoutCheck Holdout(
        PurchaseModel model, IReadOnlyList<CustomerPurchaseSummary> customers, IReadOnlyDictionary<string, int> actual, ClvFitSettings settings,
        DateOnly holdoutEnd)
    {
        var weeks = settings.Period.Between(settings.CalibrationEnd, holdoutEnd);
        var comparison = HoldoutValidation.ByCalibrationFrequency(model, customers, actual, weeks);
        return new HoldoutCheck(holdoutEnd, weeks, comparison.TotalPredicted, comparison.TotalActual, comparison.Buckets);
    }

    private async Task<(ClvTotals Totals, ChurnValidationReport? ChurnHoldout)> ValueCustomersAsync(
        Guid snapshotId, FittedModels models, IReadOnlyList<CustomerPurchaseSummary> customers, ClvFitInputs inputs,
        Func<FitProgress, Task> report, CancellationToken ct)
    {
        var settings = models.Settings;
        var netRevenue = inputs.NetRevenue;
        var rfm = CustomerValuation.RfmScores(customers, netRevenue);
        // Signals as of the end of calibration, but never beyond what has happened: a calibration ending today ends tonight.
        var asOf = settings.CalibrationCutoff < clock.Now() ? settings.CalibrationCutoff : clock.Now();
        double? totalClv = models.Spend is null ? null : 0, totalValueAtRisk = models.Spend is null ? null : 0;
        double sumAlive = 0, sumRisk = 0;
        var withoutClv = 0;
        decimal revenue = 0;
        var scored = settings.HoldoutEnd is null ? null : new List<(double Risk, double WeeksSinceLastPurchase, bool Churned)>(customers.Count);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await ClvResults.DeleteAsync(connection, snapshotId, ct);
        var done = 0;
        foreach (var chunk in customers.Chunk(ChunkSize))
        {
            await report(new FitProgress("valuing customers", done, customers.Count));
            var facts = await sources.JourneyFactsAsync([.. chunk.Select(c => c.CustomerId)], ct);
            var values = chunk.Select(c =>
                {
                    var (stage, signals) = facts.TryGetValue(c.CustomerId, out var known)
                        ? ChurnSignals.AsOf(known, asOf, rules, settings.ChurnWeights)
                        : (null, []);
                    return CustomerValuation.Value(models, c, netRevenue.GetValueOrDefault(c.CustomerId), rfm[c.CustomerId], stage, signals);
                })
                .ToList();
            await ClvResults.WriteAsync(connection, snapshotId, values, ct);
            foreach (var value in values)
            {
                totalClv += value.Clv ?? 0;
                totalValueAtRisk += value.ValueAtRisk ?? 0;
                withoutClv += value.Clv is null ? 1 : 0;
                sumAlive += value.ProbabilityAlive;
                sumRisk += value.Churn.Risk;
                revenue += value.NetRevenue;
                scored?.Add((value.Churn.Risk, value.T - value.Recency, !inputs.HoldoutTransactions.ContainsKey(value.CustomerId)));
            }

            done += chunk.Length;
        }

        // AUC is undefined when everybody, or nobody, bought in the holdout.
        var churnHoldout = scored is not null && scored.Any(s => s.Churned) && scored.Any(s => !s.Churned) ? ChurnValidation.Evaluate(scored) : null;
        return (new ClvTotals(totalClv, totalValueAtRisk, withoutClv, sumAlive / customers.Count, sumRisk / customers.Count, revenue), churnHoldout);
    }

    private async Task SaveAsync(ClvSnapshot snapshot, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        session.Store(snapshot);
        await session.SaveChangesAsync(ct);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "CLV fit {SnapshotId} had nothing to fit: {Reason}")]
    private static partial void LogNothingToFit(ILogger logger, Guid snapshotId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "CLV fit {SnapshotId} ended {Status}: {Problems}")]
    private static partial void LogFitNotTrusted(ILogger logger, Guid snapshotId, FitStatus status, string problems);

    [LoggerMessage(Level = LogLevel.Error, Message = "CLV fit {SnapshotId} failed")]
    private static partial void LogFitFailed(ILogger logger, Guid snapshotId, Exception ex);
}
