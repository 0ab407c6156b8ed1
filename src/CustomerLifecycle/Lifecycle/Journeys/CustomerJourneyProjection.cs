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
/// Why not Marten's MultiStreamProjection: it writes each journey with a statement of its own, and the mirror tables
/// would follow through row triggers, so a page of 2,000 events costs thousands of statements, each planned, started
/// and run on its own; profiled, the server's single projection session was busy almost all the time and the lag grew
/// without bound at 2,900 events/s. Here a page is folded
/// in memory and written set-wise by <see cref="JourneyWriter"/>: one statement per table, the mirror rows and counts
/// derived from the old and new documents in C#. The daemon still feeds the pages, keeps the progress in the same
/// transaction as the writes, and runs the shard on one node.
/// </summary>
public sealed class CustomerJourneyProjection : ProjectionBase, IProjection
{
    public const string ProjectionName = "CustomerJourney";

    /// <summary>Customers per load query; chunks are loaded, folded and serialised in parallel.</summary>
    private const int LoadChunk = 250;

    private readonly RuleSet rules;
    private readonly NpgsqlDataSource dataSource;

    /// <param name="dataSource">Where the journeys of a page are loaded from, in parallel chunks.</param>
    public CustomerJourneyProjection(RuleSet rules, NpgsqlDataSource dataSource)
    {
        this.rules = rules;
        this.dataSource = dataSource;
        Name = ProjectionName;
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
        var slices = Slice(events);
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
                foreach (var id in chunks[i])
                {
                    var before = existing.GetValueOrDefault(id);
                    var inputs = slices[id];
                    if (FoldOnto(before, id, inputs, rules) is { } after)
                    {
                        changes.Add(new JourneyChange(before, after, inputs[^1].Sequence) { Json = serializer.ToJson(after) });
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
    public static Dictionary<string, List<JourneyInput>> Slice(IEnumerable<IEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var slices = new Dictionary<string, List<JourneyInput>>(StringComparer.Ordinal);
        void Add(string customer, JourneyInput input)
        {
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

    /// <summary>One event onto a document: what folding a page reaches, taken one event at a time (kept for the equivalence tests).</summary>
    public static CustomerJourney? Evolve(CustomerJourney? snapshot, string id, IEvent e, RuleSet rules) =>
        JourneyInput.Of(e) is { } input ? FoldOnto(snapshot, id, [input], rules) : snapshot;

    /// <summary>
    /// One customer's whole slice at once, in sequence order: the document <see cref="Evolve"/> reaches event by event,
    /// without deriving the lifted values after every event (they depend on the journal alone, so deriving them once
    /// at the end gives the same document). The bulk rebuild folds customers this way.
    /// </summary>
    public static CustomerJourney? Fold(string id, IEnumerable<JourneyInput> inputsInSequenceOrder, RuleSet rules) =>
        FoldOnto(null, id, inputsInSequenceOrder, rules);

    /// <summary>The document after these inputs, from the one before them (null: none yet); null while there is none.</summary>
    public static CustomerJourney? FoldOnto(CustomerJourney? before, string id, IEnumerable<JourneyInput> inputsInSequenceOrder, RuleSet rules)
    {
        ArgumentNullException.ThrowIfNull(inputsInSequenceOrder);
        var journal = before?.Journal;
        foreach (var input in inputsInSequenceOrder)
        {
            journal = Step(journal, input, rules);
        }

        return journal is null ? before : (before ?? CustomerJourney.Start(id, rules)).With(journal);
    }

    /// <summary>
    /// The journal after one event, shared by the live and the bulk path. A touchpoint starts the journal if need be;
    /// a tick for a customer we have never heard of (erased since, say) creates nothing.
    /// </summary>
    private static LifecycleJournal? Step(LifecycleJournal? journal, JourneyInput input, RuleSet rules) => input switch
    {
        { Touchpoint: { } touchpoint } => (journal ?? LifecycleJournal.Start(rules))
            .Apply(LifecycleFact.From(touchpoint, input.EventId, input.EventType, input.Sequence, input.Timestamp)),
        { TickAsOf: { } asOf } when journal is not null => journal.AdvanceTo(asOf),
        _ => journal,
    };
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
