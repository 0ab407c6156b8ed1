using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Ingestion.Recording;

namespace CustomerLifecycle.Bench.Workload;

/// <summary>
/// Realistic touchpoints: mostly purchases, site visits and ad clicks with a tail of other types, valid per the
/// validators, spread over a fixed population of customers, dated within the last 30 days. Every event id carries
/// the run's prefix, so runs never collide and what a run stored can be counted afterwards.
/// </summary>
internal sealed class TouchpointMix(string runPrefix, int customers)
{
    private static readonly string[] Categories = ["shoes", "books", "garden", "toys", "kitchen", "outdoor"];
    private static readonly string[] AdChannels = ["search", "social", "display", "video"];
    private static readonly string[] Campaigns = ["spring-sale-26", "retarget-cart", "brand-always-on", "newsletter-11"];
    private static readonly string[] Pages = ["/", "/products/sku-10042", "/cart", "/checkout", "/help/delivery", "/category/garden"];

    // The wire format of data: the service's own (camelCase, snake_case enums), without nulls, as an SDK would send it.
    private static readonly JsonSerializerOptions WireData = new(TouchpointParser.DataJson) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private static readonly HashSet<string> EnvelopeFields = ["customerId", "occurredAt", "source"];

    public string RunPrefix => runPrefix;

    public int Customers => customers;

    public static string CustomerId(int k) => string.Create(CultureInfo.InvariantCulture, $"cust-{k:D6}");

    public string EventId(string tag, int n) => string.Create(CultureInfo.InvariantCulture, $"{runPrefix}-{tag}-{n}");

    public string RandomCustomer(Random random) => CustomerId(random.Next(customers));

    /// <summary>
    /// One touchpoint of the mix: 40 % purchases, 25 % site visits, 20 % ad clicks, 15 % other types. Touchpoints are
    /// posted as they happen (business time is the moment the body is made), except one in a hundred, which arrives
    /// up to 30 days late, as in the restored history: a late fact costs the projection a refold of its customer.
    /// </summary>
#pragma warning disable CA1822 // an instance method: which mix a touchpoint comes from stays visible at the call sites
    public Touchpoint Next(Random random, string customerId)
#pragma warning restore CA1822
    {
        var at = random.Next(100) == 0
            ? DateTimeOffset.UtcNow.AddSeconds(-random.Next(30 * 24 * 3600)).AddMilliseconds(-random.Next(1000))
            : DateTimeOffset.UtcNow;
        var roll = random.Next(100);
        return roll switch
        {
            < 40 => Purchase(random, customerId, at),
            < 65 => new SiteVisited(customerId, at, "web-shop", Pages[random.Next(Pages.Length)], "organic"),
            < 85 => new AdClicked(customerId, at, "ads-gateway", AdChannels[random.Next(AdChannels.Length)], Campaigns[random.Next(Campaigns.Length)]),
            < 89 => new SignedUp(customerId, at, "web-shop", "web", Campaigns[random.Next(Campaigns.Length)], "basic"),
            < 93 => new SupportContacted(customerId, at, "helpdesk", "email", "delivery"),
            < 96 => new SurveyAnswered(customerId, at, "survey-tool", "nps-" + random.Next(100).ToString(CultureInfo.InvariantCulture), SurveyKind.Nps, random.Next(11)),
            _ => new LoyaltyPointsEarned(customerId, at, "loyalty", 10 + random.Next(500), "purchase"),
        };
    }

    public static PurchaseCompleted Purchase(Random random, string customerId, DateTimeOffset at)
    {
        var items = new PurchasedItem[1 + random.Next(3)];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new PurchasedItem(
                1 + random.Next(3),
                "sku-" + random.Next(100_000).ToString("D5", CultureInfo.InvariantCulture),
                Categories[random.Next(Categories.Length)],
                random.Next(199, 19_999) / 100m);
        }

        var amount = items.Sum(i => i.Quantity * i.UnitPrice!.Value);
        var orderId = "ord-" + random.NextInt64(1L << 40).ToString("x10", CultureInfo.InvariantCulture);
        return new PurchaseCompleted(customerId, at, "web-shop", orderId, amount, "EUR", items);
    }

    /// <summary>The JSON body of one POST /api/touchpoints.</summary>
    public static byte[] SingleBody(string eventId, Touchpoint touchpoint)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, eventId, touchpoint);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The JSON body of one POST /api/touchpoints/batch: <c>{"touchpoints": [ … ]}</c>.</summary>
    public static byte[] BatchBody(IEnumerable<(string EventId, Touchpoint Touchpoint)> items)
    {
        var buffer = new ArrayBufferWriter<byte>(256 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("touchpoints");
            foreach (var (eventId, touchpoint) in items)
            {
                Write(writer, eventId, touchpoint);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, string eventId, Touchpoint touchpoint)
    {
        writer.WriteStartObject();
        writer.WriteString("eventId", eventId);
        writer.WriteString("customerId", touchpoint.CustomerId);
        writer.WriteString("type", TouchpointTypes.NameOf[touchpoint.GetType()]);
        writer.WriteString("occurredAt", touchpoint.OccurredAt.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        writer.WriteString("source", touchpoint.Source);
        writer.WriteStartObject("data");
        // The record's own fields are data; the envelope fields sit at the top level.
        foreach (var property in JsonSerializer.SerializeToElement(touchpoint, touchpoint.GetType(), WireData).EnumerateObject())
        {
            if (!EnvelopeFields.Contains(property.Name))
            {
                property.WriteTo(writer);
            }
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
