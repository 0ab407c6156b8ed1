using System.Globalization;

namespace CustomerLifecycle.Bench.Measuring;

/// <summary>One scrape of the service's <c>GET /metrics</c> (Prometheus text): the samples, and the figures an operator watches.</summary>
internal sealed class ServiceMetrics
{
    private readonly List<(string Name, string Labels, double Value)> samples = [];

    private ServiceMetrics(DateTime at) => At = at;

    public DateTime At { get; }

    /// <summary>Every metric family named by a <c># TYPE</c> line.</summary>
    public List<string> Families { get; } = [];

    public static async Task<ServiceMetrics> ScrapeAsync(HttpClient client, CancellationToken ct)
    {
        var text = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
        var metrics = new ServiceMetrics(DateTime.UtcNow);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                metrics.Families.Add(line.Split(' ')[2]);
                continue;
            }

            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var close = line.LastIndexOf('}');
            var (name, labels, rest) = brace > 0 && close > brace
                ? (line[..brace], line[(brace + 1)..close], line[(close + 1)..])
                : (line[..line.IndexOf(' ', StringComparison.Ordinal)], "", line[line.IndexOf(' ', StringComparison.Ordinal)..]);
            var value = rest.Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                metrics.samples.Add((name, labels, v));
            }
        }

        return metrics;
    }

    /// <summary>The sum of a metric's samples whose labels contain every one of <paramref name="labels"/> (<c>outcome="accepted"</c>).</summary>
    public double Sum(string name, params string[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);

    /// <summary>Rejected touchpoints by reason.</summary>
    public Dictionary<string, double> RejectedByReason() =>
        samples.Where(s => s.Name == "customer_lifecycle_touchpoints_total" && s.Labels.Contains("outcome=\"rejected\"", StringComparison.Ordinal))
            .GroupBy(s => Label(s.Labels, "reason"))
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value));

    public double Accepted => Sum("customer_lifecycle_touchpoints_total", "outcome=\"accepted\"");

    /// <summary>
    /// Where the service's memory is, as the runtime reports it: the GC's committed memory and heap size (both as of its
    /// last collection), the fragmentation inside that heap, Kestrel's pooled buffers, the working set, and how many
    /// collections of each generation have run.
    /// </summary>
    public string MemoryBreakdown() =>
        string.Create(CultureInfo.InvariantCulture,
            $"working set {Sum("dotnet_process_memory_working_set_bytes") / 1e6:0} MB, GC committed {Sum("dotnet_gc_last_collection_memory_committed_size_bytes") / 1e6:0} MB, "
            + $"heap {Sum("dotnet_gc_last_collection_heap_size_bytes") / 1e6:0} MB (LOH {Sum("dotnet_gc_last_collection_heap_size_bytes", "gc_heap_generation=\"loh\"") / 1e6:0}), "
            + $"fragmentation {Sum("dotnet_gc_last_collection_heap_fragmentation_size_bytes") / 1e6:0} MB, Kestrel pool {Sum("aspnetcore_memory_pool_pooled_bytes") / 1e6:0} MB; "
            + $"collections gen0 {Sum("dotnet_gc_collections_total", "gc_heap_generation=\"gen0\"")}, gen1 {Sum("dotnet_gc_collections_total", "gc_heap_generation=\"gen1\"")}, gen2 {Sum("dotnet_gc_collections_total", "gc_heap_generation=\"gen2\"")}");

    public double ProjectionLag => Sum("customer_lifecycle_projection_lag", "shard=\"CustomerJourney:All\"");

    /// <summary>Appends and touchpoints so far on one endpoint (a batch request, or a shared group commit of single posts).</summary>
    public (double Appends, double Touchpoints) Appends(string endpoint) =>
        (Sum("customer_lifecycle_append_size_count", $"endpoint=\"{endpoint}\""), Sum("customer_lifecycle_append_size_sum", $"endpoint=\"{endpoint}\""));

    private static string Label(string labels, string name)
    {
        var start = labels.IndexOf(name + "=\"", StringComparison.Ordinal);
        if (start < 0)
        {
            return "";
        }

        start += name.Length + 2;
        return labels[start..labels.IndexOf('"', start)];
    }
}
