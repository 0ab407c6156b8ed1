using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Npgsql;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// Folds every touchpoint, and every lifecycle deadline the sweep records, into the customer's <see cref="CustomerJourney"/>.
/// Asynchronous: ingestion writes the event tables directly at full speed and this catches up behind it (the
/// ingestion answer already tells the caller the event is stored; readers of lifecycle views see it a moment later).
/// Events arrive in global sequence order, which is the journal's knowledge order, so a rebuild reproduces exactly
/// what the live projection built, corrections and all.
///
/// Each customer's part of a page is folded by <see cref="JourneyFold"/>: in place on the bounded journey when it is in
/// business order (nearly always), from the customer's history (stream, transition log, mirror rows, loaded for those
/// customers only) when it holds a late fact.
///
/// Why not Marten's SingleStreamProjection: it writes each journey with a statement of its own and the transition and
/// mirror rows would need statements of their own per customer, so a page of 2,000 events costs thousands of
/// statements, each planned, started and run on its own (measured at about 2,600 events/s against 7,100 for the
/// set-wise writer on the same machine). Here a page is folded in memory and written set-wise by
/// <see cref="JourneyWriter"/>: one statement per table. The daemon still feeds the pages, keeps the progress in the same
/// transaction as the writes, and runs the shard on one node.
/// </summary>
public sealed class CustomerJourneyProjection : ProjectionBase, IProjection
{
    public const string ProjectionName = "CustomerJourney";

    /// <summary>Customers per load query; chunks are loaded, folded and serialised in parallel.</summary>
    private const int LoadChunk = 250;

    private readonly RuleSet rules;
    private readonly NpgsqlDataSource dataSource;
    private readonly JourneyShards shards;
    private readonly int shard;

    /// <param name="dataSource">Where the journeys of a page are loaded from, in parallel chunks.</param>
    /// <param name="shards">How many shards the projection runs as (null: one).</param>
    /// <param name="shard">Which of them this is: it folds only the customers that hash to it.</param>
    public CustomerJourneyProjection(RuleSet rules, NpgsqlDataSource dataSource, JourneyShards? shards = null, int shard = 0)
    {
        this.rules = rules;
        this.dataSource = dataSource;
        this.shards = shards ?? JourneyShards.One;
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, this.shards.Count);
        this.shard = shard;
        Name = this.shards.Name(shard);
        foreach (var (_, type) in TouchpointTypes.All)
        {
            IncludeType(type);
        }

        IncludeType<LifecycleDeadlineReached>();
        IncludeType<LifecycleClockTicked>();
        // A rebuild through Marten (the CLI's `projections rebuild`) starts from no journeys: the delete takes the
        // mirror rows and counts with it (JourneyTables' delete trigger).
        Options.DeleteViewTypeOnTeardown<CustomerJourney>();
    }

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        var slices = Slice(events, shards, shard);
        if (slices.Count == 0)
        {
            return;
        }

        var serializer = operations.DocumentStore.Options.Serializer();
        // Loading (the server renders each stored document as text) and folding and serialising (here) take about as
        // long as each other for a page; in chunks on parallel connections they overlap, and use every core.
        var chunks = slices.Keys.Chunk(LoadChunk).ToList();
        var folded = new List<JourneyChange>[chunks.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, chunks.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(2, Environment.ProcessorCount), CancellationToken = cancellation },
            async (i, ct) =>
            {
                var existing = await LoadAsync(serializer, chunks[i], ct).ConfigureAwait(false);
                var changes = new List<JourneyChange>(chunks[i].Length);
                var refold = new List<(string Id, CustomerJourney? Before)>();
                var completing = new List<(CustomerJourney Before, JourneyChange Change)>();
                foreach (var id in chunks[i])
                {
                    var before = existing.GetValueOrDefault(id);
                    switch (JourneyFold.TryInOrder(before, id, slices[id], rules, out var change))
                    {
                        case InOrderOutcome.NeedsHistory:
                            refold.Add((id, before));
                            break;
                        case InOrderOutcome.NeedsRows:
                            completing.Add((before!, change!));
                            break;
                        case InOrderOutcome.Folded when change is not null:
                            changes.Add(change with { Json = serializer.ToJson(change.After) });
                            break;
                    }
                }

                if (completing.Count > 0)
                {
                    var rows = await JourneyHistories.LoadAsync(dataSource, serializer, [.. completing.Select(c => (c.Before.Id, c.Before.LastSequence))], rowsOnly: true, ct).ConfigureAwait(false);
                    foreach (var (before, change) in completing)
                    {
                        var complete = JourneyFold.WithRows(before, change, rows[before.Id].Spells, rows[before.Id].Months);
                        changes.Add(complete with { Json = serializer.ToJson(complete.After) });
                    }
                }

                if (refold.Count > 0)
                {
                    var histories = await JourneyHistories.LoadAsync(dataSource, serializer, [.. refold.Select(r => (r.Id, r.Before?.LastSequence ?? 0))], rowsOnly: false, ct).ConfigureAwait(false);
                    foreach (var (id, before) in refold)
                    {
                        if (JourneyFold.Refold(before, id, histories[id], slices[id], rules) is { } change)
                        {
                            changes.Add(change with { Json = serializer.ToJson(change.After) });
                        }
                    }
                }

                folded[i] = changes;
            }).ConfigureAwait(false);

        JourneyWriter.Queue(operations, [.. folded.SelectMany(c => c)]);
    }

    private async Task<Dictionary<string, CustomerJourney>> LoadAsync(ISerializer serializer, string[] ids, CancellationToken ct)
    {
        var journeys = new Dictionary<string, CustomerJourney>(ids.Length, StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand($"select id, data from {StoreSetup.Schema}.{JourneyTables.DocumentTable} where id = any($1)");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            journeys[reader.GetString(0)] = serializer.FromJson<CustomerJourney>(reader, 1);
        }

        return journeys;
    }

    /// <summary>Each customer's inputs of a page, in sequence order (the page's own order); a clock tick feeds every customer it names.</summary>
    public static Dictionary<string, List<JourneyInput>> Slice(IEnumerable<IEvent> events) => Slice(events, JourneyShards.One, 0);

    /// <summary>The slices of the customers that hash to <paramref name="shard"/> of <paramref name="shards"/>.</summary>
    public static Dictionary<string, List<JourneyInput>> Slice(IEnumerable<IEvent> events, JourneyShards shards, int shard)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(events);
        var slices = new Dictionary<string, List<JourneyInput>>(StringComparer.Ordinal);
        void Add(string customer, JourneyInput input)
        {
            if (shards.Count > 1 && shards.Of(customer) != shard)
            {
                return;
            }

            if (!slices.TryGetValue(customer, out var slice))
            {
                slices[customer] = slice = [];
            }

            slice.Add(input);
        }

        foreach (var e in events)
        {
            switch (JourneyInput.Of(e))
            {
                case { Touchpoint: { } touchpoint } input:
                    Add(touchpoint.CustomerId, input);
                    break;
                case { TickAsOf: not null } input when e.Data is LifecycleDeadlineReached deadline:
                    Add(deadline.CustomerId, input);
                    break;
                case { TickAsOf: not null } input:
                    foreach (var customer in ((LifecycleClockTicked)e.Data).CustomerIds)
                    {
                        Add(customer, input);
                    }

                    break;
            }
        }

        return slices;
    }
}

/// <summary>One event of a customer's slice: a touchpoint, or the passage of time (a deadline reached, or a clock tick that names the customer).</summary>
public readonly record struct JourneyInput(long Sequence, Guid EventId, string EventType, DateTimeOffset Timestamp, Touchpoint? Touchpoint, DateTimeOffset? TickAsOf)
{
    /// <summary>The input a stored event makes, or null for an event the journey projection does not fold.</summary>
    public static JourneyInput? Of(IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Data switch
        {
            Touchpoint touchpoint => new JourneyInput(e.Sequence, e.Id, e.EventTypeName, e.Timestamp, touchpoint, null),
            LifecycleDeadlineReached deadline => new JourneyInput(e.Sequence, e.Id, e.EventTypeName, e.Timestamp, null, deadline.AsOf),
            LifecycleClockTicked tick => new JourneyInput(e.Sequence, e.Id, e.EventTypeName, e.Timestamp, null, tick.AsOf),
            _ => null,
        };
    }
}
