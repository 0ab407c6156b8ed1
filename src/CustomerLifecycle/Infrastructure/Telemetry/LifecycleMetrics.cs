using System.Diagnostics.Metrics;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion.Recording;
using Marten;
using Npgsql;

namespace CustomerLifecycle.Infrastructure.Telemetry;

/// <summary>
/// The service's own numbers, on the System.Diagnostics.Metrics meter <c>CustomerLifecycle</c> (exported by
/// OpenTelemetry: Prometheus at /metrics, OTLP when configured). Projection lag is read from the store at each
/// collection, so it is honest even when the daemon has stopped.
/// </summary>
public sealed class LifecycleMetrics : IDisposable
{
    public const string MeterName = "CustomerLifecycle";

    private readonly Meter meter;
    private readonly Counter<long> touchpoints;
    private readonly Histogram<int> appendSize;
    private readonly Histogram<double> appendDuration;
    private readonly Counter<long> rebuiltEvents;
    private readonly Histogram<double> fitDuration;
    private readonly NpgsqlDataSource dataSource;
    private readonly IDocumentStore store;

    public LifecycleMetrics(IMeterFactory meters, NpgsqlDataSource dataSource, IDocumentStore store)
    {
        ArgumentNullException.ThrowIfNull(meters);
        this.dataSource = dataSource;
        this.store = store;
        meter = meters.Create(MeterName);
        touchpoints = meter.CreateCounter<long>("customer_lifecycle.touchpoints", "{touchpoint}",
            "Touchpoints received, by outcome (accepted, duplicate, rejected) and rejection reason");
        appendSize = meter.CreateHistogram<int>("customer_lifecycle.append.size", "{touchpoint}",
            "Touchpoints per append: a batch request on the batch endpoint, a shared group commit on the single endpoint",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 5, 10, 50, 100, 500, 1_000, 2_000, 5_000] });
        appendDuration = meter.CreateHistogram<double>("customer_lifecycle.append.duration", "s",
            "Time to append one batch or group commit (ledger, events, quarantine, commit)",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        rebuiltEvents = meter.CreateCounter<long>("customer_lifecycle.rebuild.events", "{event}", "Events folded by projection rebuilds, by projection");
        fitDuration = meter.CreateHistogram<double>("customer_lifecycle.clv_fit.duration", "s", "Duration of CLV fits, by outcome",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1_800] });
        meter.CreateObservableGauge("customer_lifecycle.projection.lag", ProjectionLag, "{event}",
            "Events each projection shard is behind the store");
    }

    public void Appended(string endpoint, AppendResult result, IReadOnlyList<Rejection> rejections, TimeSpan took)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(rejections);
        var endpointTag = new KeyValuePair<string, object?>("endpoint", endpoint);
        appendSize.Record(result.Touchpoints.Length + rejections.Count, endpointTag);
        foreach (var rejection in rejections)
        {
            Rejected(endpoint, rejection.Reason);
        }

        appendDuration.Record(took.TotalSeconds, endpointTag);
        foreach (var outcome in result.Touchpoints)
        {
            touchpoints.Add(1, endpointTag, Outcome(outcome.Status), Reason(outcome.Status == AppendStatus.Conflict ? RejectionReasons.Conflict : null));
        }
    }

    public void Rejected(string endpoint, string reason, int count = 1) =>
        touchpoints.Add(count, new("endpoint", endpoint), new("outcome", "rejected"), Reason(reason));

    public void Rebuilt(string projection, long events) => rebuiltEvents.Add(events, new KeyValuePair<string, object?>("projection", projection));

    public void Fitted(string outcome, TimeSpan took) => fitDuration.Record(took.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => meter.Dispose();

    private static KeyValuePair<string, object?> Outcome(AppendStatus status) =>
        new("outcome", status switch { AppendStatus.Accepted => "accepted", AppendStatus.Duplicate => "duplicate", _ => "rejected" });

    private static KeyValuePair<string, object?> Reason(string? reason) => new("reason", reason ?? "");

    private IEnumerable<Measurement<long>> ProjectionLag()
    {
        var measurements = new List<Measurement<long>>();
        try
        {
            using var connection = dataSource.OpenConnection();
            foreach (var shard in store.Options.Events.Projections().Select(p => $"{p.Name}:All"))
            {
                using var command = new NpgsqlCommand(
                    $"""
                     select greatest(0, (select coalesce(max(seq_id), 0) from {StoreSetup.Schema}.mt_events)
                            - coalesce((select last_seq_id from {StoreSetup.Schema}.mt_event_progression where name = $1), 0))
                     """, connection) { CommandTimeout = 2 };
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = shard });
                measurements.Add(new Measurement<long>((long)command.ExecuteScalar()!, new KeyValuePair<string, object?>("shard", shard)));
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            // The store is away: no lag is reported rather than a wrong one (readiness reports the outage).
        }

        return measurements;
    }
}
