using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace CustomerLifecycle.Lifecycle.Journeys;

/// <summary>
/// The read model of one customer's lifecycle: the bitemporal journal (the source of every answer about this
/// customer) plus a few values lifted out of it so PostgreSQL can filter, sort and aggregate without opening the
/// journal. The lifted values are recomputed from the journal on every change, never edited on their own.
/// </summary>
public sealed record CustomerJourney
{
    public required string Id { get; init; }

    public required LifecycleJournal Journal { get; init; }

    public LifecycleStage? Stage { get; init; }

    public DateTimeOffset? StageSince { get; init; }

    /// <summary>When the next time-based rule falls due: the sweep looks for journeys due by now.</summary>
    public DateTimeOffset? NextDueAt { get; init; }

    public DateTimeOffset? FirstSeenAt { get; init; }

    public DateTimeOffset? LastActivityAt { get; init; }

    /// <summary>Channel and campaign of the first touch (null when the first thing we heard was, say, a purchase).</summary>
    public string? AcquisitionChannel { get; init; }

    public string? AcquisitionCampaign { get; init; }

    /// <summary>Acquisition cohort: the month (yyyy-MM, UTC) of the first purchase; null before one.</summary>
    public string? Cohort { get; init; }

    /// <summary>Month (yyyy-MM, UTC) we first heard of the customer.</summary>
    public string? FirstSeenMonth { get; init; }

    public int Purchases { get; init; }

    /// <summary>The believed stage timeline; mirrored into cl_stage_spells for cross-customer analytics.</summary>
    public ImmutableList<StageSpell> Spells { get; init; } = [];

    /// <summary>Purchase-like activity per UTC month and currency; mirrored into cl_customer_months for cohorts.</summary>
    public ImmutableList<MonthActivity> Months { get; init; } = [];

    /// <summary>
    /// A digest of everything the mirror tables take from this journey: its spells and months, channel, cohort and
    /// first-seen month. <see cref="JourneyWriter"/> derives and compares mirror rows only for journeys whose key moved
    /// (most touchpoints move a deadline or the last activity and nothing the mirrors hold). A digest of the content
    /// rather than a change counter, so the bulk rebuild, which folds a customer in one go, stores the same value the
    /// live projection reached event by event.
    /// </summary>
    public long MirrorKey { get; init; }

    public static CustomerJourney Start(string customerId, RuleSet rules) =>
        new() { Id = customerId, Journal = LifecycleJournal.Start(rules) };

    public CustomerJourney With(LifecycleJournal journal)
    {
        var counters = journal.State.Counters;
        var firstSeen = journal.Facts.IsEmpty ? (DateTimeOffset?)null : journal.Facts[0].OccurredAt;
        ImmutableList<StageSpell> spells = [.. journal.Timeline];
        var months = MonthActivity.Of(journal.Facts);
        var channel = counters.FirstTouch?.Channel;
        var cohort = counters.FirstPurchaseAt is { } firstPurchase ? Month(firstPurchase) : null;
        var firstSeenMonth = firstSeen is { } seen ? Month(seen) : null;
        return this with
        {
            Journal = journal,
            Stage = journal.CurrentStage,
            StageSince = journal.CurrentStageSince,
            NextDueAt = journal.NextDueAt,
            FirstSeenAt = firstSeen,
            LastActivityAt = counters.LastActivityAt,
            AcquisitionChannel = channel,
            AcquisitionCampaign = counters.FirstTouch?.Campaign,
            Cohort = cohort,
            FirstSeenMonth = firstSeenMonth,
            Purchases = counters.Purchases,
            Spells = spells,
            Months = months,
            MirrorKey = MirrorDigest(spells, months, channel, cohort, firstSeenMonth),
        };
    }

    /// <summary>
    /// The first 8 bytes of a SHA-256 over the mirrored values, written unambiguously (strings with their lengths,
    /// instants as UTC ticks, amounts with their scale: the months table keeps 10.50 apart from 10.5). Two contents
    /// share a key with probability 2^-64.
    /// </summary>
    public static long MirrorDigest(IReadOnlyList<StageSpell> spells, IReadOnlyList<MonthActivity> months, string? channel, string? cohort, string? firstSeenMonth)
    {
        ArgumentNullException.ThrowIfNull(spells);
        ArgumentNullException.ThrowIfNull(months);
        var text = new StringBuilder(64 + (spells.Count * 48) + (months.Count * 32));
        void Add(string? value) => (value is null ? text.Append('-') : text.Append(value.Length).Append(':').Append(value)).Append('|');
        void AddInstant(DateTimeOffset? at) => text.Append(at?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "-").Append('|');
        Add(channel);
        Add(cohort);
        Add(firstSeenMonth);
        text.Append(spells.Count).Append('|');
        foreach (var spell in spells)
        {
            Add(spell.Stage.ToString());
            AddInstant(spell.From);
            AddInstant(spell.Until);
            Add(spell.EnteredBy);
        }

        text.Append(months.Count).Append('|');
        foreach (var month in months)
        {
            Add(month.Month);
            Add(month.Currency);
            text.Append(month.Purchases.ToString(CultureInfo.InvariantCulture)).Append('|');
            Add(month.Revenue.ToString(CultureInfo.InvariantCulture));
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()), hash);
        return BinaryPrimitives.ReadInt64LittleEndian(hash);
    }

    public static string Month(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}

/// <summary>Purchases and net revenue (refunds subtracted) in one UTC month and currency.</summary>
public sealed record MonthActivity(string Month, string Currency, int Purchases, decimal Revenue)
{
    public static ImmutableList<MonthActivity> Of(IEnumerable<LifecycleFact> facts) =>
    [
        .. facts
            .Select(f => f.Detail switch
            {
                Purchase p => (f, Currency: p.Currency, Count: 1, Amount: p.Amount),
                Refund r => (f, Currency: r.Currency, Count: 0, Amount: -r.Amount),
                SubscriptionStart { Amount: > 0, Currency: { } c } s => (f, Currency: c, Count: 1, Amount: s.Amount!.Value),
                SubscriptionRenewal { Amount: > 0, Currency: { } c } s => (f, Currency: c, Count: 1, Amount: s.Amount!.Value),
                _ => default,
            })
            .Where(x => x.f is not null)
            .GroupBy(x => (Month: CustomerJourney.Month(x.f.OccurredAt), Currency: x.Currency.ToUpperInvariant()))
            .OrderBy(g => g.Key.Month, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new MonthActivity(g.Key.Month, g.Key.Currency, g.Sum(x => x.Count), g.Sum(x => x.Amount))),
    ];
}
