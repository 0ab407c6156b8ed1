using CustomerLifecycle.Lifecycle.Journeys;

namespace CustomerLifecycle.Tests.Lifecycle;

public class JourneyShardsTests
{
    [Fact]
    public void One_shard_keeps_the_projection_name_and_takes_every_customer()
    {
        var one = JourneyShards.One;
        Assert.Equal(["CustomerJourney"], one.Names);
        Assert.Equal(["CustomerJourney:All"], one.ProgressNames);
        Assert.Equal(0, one.Of("anyone"));
    }

    [Fact]
    public void A_customer_always_hashes_to_the_same_shard_and_the_shards_share_the_customers()
    {
        var three = new JourneyShards(3);
        Assert.Equal(["CustomerJourney1of3", "CustomerJourney2of3", "CustomerJourney3of3"], three.Names);
        Assert.True(three.Includes("CustomerJourney") && three.Includes("CustomerJourney2of3") && !three.Includes("CustomerJourney2of4"));

        // FNV-1a of the UTF-8 bytes: fixed values, so every process and every version agrees.
        Assert.Equal(three.Of("cust-000001"), three.Of("cust-000001"));
        var counts = Enumerable.Range(0, 30_000).Select(i => three.Of($"cust-{i:D6}")).GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([0, 1, 2], counts.Keys.Order());
        Assert.All(counts.Values, n => Assert.InRange(n, 9_000, 11_000));
    }

    [Fact]
    public void Each_shard_slices_only_its_own_customers_and_together_they_slice_all()
    {
        var shards = new JourneyShards(2);
        var customers = Enumerable.Range(0, 20).Select(i => $"c-{i}").ToArray();
        var events = customers.SelectMany(c => JourneyFoldTests.ToEvents(c, [new(1, 100, 10, 1), new(6, 200, 10, 1), new(2, 300, 10, 5)])).ToList();
        var all = CustomerJourneyProjection.Slice(events);

        var first = CustomerJourneyProjection.Slice(events, shards, 0);
        var second = CustomerJourneyProjection.Slice(events, shards, 1);

        Assert.All(first.Keys, id => Assert.Equal(0, shards.Of(id)));
        Assert.All(second.Keys, id => Assert.Equal(1, shards.Of(id)));
        Assert.Equal(all.Keys.Order(), first.Keys.Concat(second.Keys).Order());
        Assert.All(first.Concat(second), slice => Assert.Equal(all[slice.Key], slice.Value));
    }
}
