using System.Text.Json;
using CustomerLifecycle.Ingestion;
using CustomerLifecycle.Ingestion.Recording;

namespace CustomerLifecycle.Tests.Ingestion.Recording;

public class TouchpointParserTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly TouchpointParser parser = new(new IngestionLimits());

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    private static string Purchase(string data = """{"orderId":"o-1","amount":19.99,"currency":"EUR"}""", string occurredAt = "2026-11-23T10:00:00Z", string extra = "") =>
        $$"""{"eventId":"e-1","customerId":"c-1","type":"purchase_completed","occurredAt":"{{occurredAt}}","source":"web-shop"{{extra}},"data":{{data}}}""";

    private (ValidTouchpoint? Touchpoint, Rejection? Rejection) Parse(string json) => parser.Parse(Json(json), ReceivedAt);

    [Fact]
    public void A_valid_purchase_becomes_a_PurchaseCompleted_event()
    {
        var (touchpoint, rejection) = Parse(Purchase("""{"orderId":"o-1","amount":19.99,"currency":"EUR","items":[{"quantity":2,"category":"cds"}]}"""));

        Assert.Null(rejection);
        var purchase = Assert.IsType<PurchaseCompleted>(touchpoint!.Event);
        Assert.Equal(("c-1", "web-shop", "o-1", 19.99m, "EUR"), (purchase.CustomerId, purchase.Source, purchase.OrderId, purchase.Amount, purchase.Currency));
        Assert.Equal(new PurchasedItem(2, Category: "cds"), Assert.Single(purchase.Items!));
        Assert.Equal(DeterministicGuid.FromEventId("e-1"), touchpoint.StoreId);
    }

    [Fact]
    public void Every_catalogue_type_has_a_validator()
    {
        foreach (var (_, type) in TouchpointTypes.All)
        {
            Assert.True(TouchpointDataValidators.ByType.ContainsKey(type), type.Name);
        }
    }

    [Theory]
    [InlineData("""{"orderId":"o-1","amount":-1,"currency":"EUR"}""", "data.amount")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"euro"}""", "data.currency")]
    [InlineData("""{"orderId":"","amount":1,"currency":"EUR"}""", "data.orderId")]
    [InlineData("""{"amount":1,"currency":"EUR"}""", "data.orderId")]
    [InlineData("""{"orderId":"o-1","amount":"lots","currency":"EUR"}""", "data.amount")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"EUR","colour":"red"}""", "data.colour")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"EUR","items":[{"quantity":0}]}""", "data.items[0].quantity")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"EUR","customerId":"other"}""", "data.customerId")]
    [InlineData("""{"orderId":null,"amount":1,"currency":"EUR"}""", "data.orderId")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"EUR","CustomerId":"hijack"}""", "data.CustomerId")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"EUR","OccurredAt":"2030-01-01T00:00:00Z"}""", "data.OccurredAt")]
    [InlineData("""{"OrderId":"o-1","amount":1,"currency":"EUR"}""", "data.OrderId")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"EUR","items":[null]}""", "data.items[0]")]
    [InlineData("""{"orderId":"o-1","amount":1,"currency":"EUR","items":[{"sku":"a"}]}""", "data.items[0].quantity")]
    public void Bad_data_is_rejected_naming_the_field(string data, string field)
    {
        var (touchpoint, rejection) = Parse(Purchase(data));

        Assert.Null(touchpoint);
        Assert.Equal(RejectionReasons.Validation, rejection!.Reason);
        Assert.Contains(field, rejection.Errors.Keys);
        Assert.All(rejection.Errors[field], message => Assert.False(string.IsNullOrWhiteSpace(message)));
    }

    [Theory]
    [InlineData("""{"customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","source":"ads","data":{"channel":"search"}}""", "eventId")]
    [InlineData("""{"eventId":"has space","customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","source":"ads","data":{"channel":"search"}}""", "eventId")]
    [InlineData("""{"eventId":"e","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","source":"ads","data":{"channel":"search"}}""", "customerId")]
    [InlineData("""{"eventId":"e","customerId":"c-1","type":"ad_licked","occurredAt":"2026-11-23T10:00:00Z","source":"ads","data":{"channel":"search"}}""", "type")]
    [InlineData("""{"eventId":"e","customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00","source":"ads","data":{"channel":"search"}}""", "occurredAt")]
    [InlineData("""{"eventId":"e","customerId":"c-1","type":"ad_clicked","occurredAt":"yesterday","source":"ads","data":{"channel":"search"}}""", "occurredAt")]
    [InlineData("""{"eventId":"e","customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","data":{"channel":"search"}}""", "source")]
    [InlineData("""{"eventId":"e","customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","source":"ads","data":[]}""", "data")]
    [InlineData("""{"eventId":"e","customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","source":"ads"}""", "data")]
    [InlineData("""{"eventId":"e","customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","source":"ads","data":{"channel":"search"},"amount":3}""", "amount")]
    [InlineData("""{"eventId":7,"customerId":"c-1","type":"ad_clicked","occurredAt":"2026-11-23T10:00:00Z","source":"ads","data":{"channel":"search"}}""", "eventId")]
    [InlineData("""[1,2]""", "$")]
    public void Bad_envelopes_are_rejected_naming_the_field(string json, string field)
    {
        var (_, rejection) = Parse(json);
        Assert.Contains(field, rejection!.Errors.Keys);
    }

    [Fact]
    public void A_nul_character_anywhere_is_refused_because_the_store_cannot_hold_it()
    {
        var (touchpoint, rejection) = Parse(Purchase("""{"orderId":"o\u0000-1","amount":1,"currency":"EUR"}"""));

        Assert.Null(touchpoint);
        Assert.Contains("$", rejection!.Errors.Keys);
        Assert.Equal("e-1", rejection.EventId);
        Assert.NotNull(Parse(Purchase("""{"orderId":"o\u0001-1","amount":1,"currency":"EUR"}""")).Touchpoint);
    }

    [Fact]
    public void A_non_object_item_gets_one_clear_error()
    {
        var (_, rejection) = Parse("42");
        Assert.Equal("$", Assert.Single(rejection!.Errors).Key);
    }

    [Fact]
    public void Timestamps_inside_data_need_an_offset_too()
    {
        static string Trial(string endsAt) =>
            $$$"""{"eventId":"t","customerId":"c-1","type":"trial_started","occurredAt":"2026-11-23T10:00:00Z","source":"app","data":{"endsAt":"{{{endsAt}}}"}}""";

        Assert.Contains("data.endsAt", Parse(Trial("2026-12-07")).Rejection!.Errors.Keys);
        Assert.NotNull(Parse(Trial("2026-12-07T00:00:00+01:00")).Touchpoint);
    }

    [Fact]
    public void The_same_instant_written_with_another_offset_is_the_same_content()
    {
        var utc = Parse(Purchase(occurredAt: "2026-11-23T10:00:00Z")).Touchpoint!;
        var paris = Parse(Purchase(occurredAt: "2026-11-23T11:00:00+01:00")).Touchpoint!;
        Assert.Equal(utc.ContentHash, paris.ContentHash);
    }

    [Fact]
    public void OccurredAt_more_than_24_hours_ahead_is_rejected()
    {
        var (_, rejection) = Parse(Purchase(occurredAt: "2026-11-24T12:00:01Z"));
        Assert.Contains("in the future", Assert.Single(rejection!.Errors["occurredAt"]), StringComparison.Ordinal);
    }

    [Fact]
    public void OccurredAt_just_under_24_hours_ahead_is_accepted()
    {
        var (touchpoint, _) = Parse(Purchase(occurredAt: "2026-11-24T11:59:59Z"));
        Assert.NotNull(touchpoint);
    }

    [Fact]
    public void A_fast_client_clock_is_corrected_and_the_raw_values_are_kept()
    {
        // Client clock runs 2 days fast: raw occurredAt looks 2 days in the future, corrected it is 1 hour ago.
        var (touchpoint, rejection) = Parse(Purchase(occurredAt: "2026-11-25T11:00:00Z", extra: ""","sentAt":"2026-11-25T12:00:00Z" """));

        Assert.Null(rejection);
        Assert.Equal(ReceivedAt.AddHours(-1), touchpoint!.Event.OccurredAt);
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T11:00:00Z", System.Globalization.CultureInfo.InvariantCulture), touchpoint.ClientOccurredAt);
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture), touchpoint.SentAt);
    }

    [Fact]
    public void The_content_hash_ignores_sentAt_and_json_formatting_but_not_data()
    {
        var a = Parse(Purchase()).Touchpoint!;
        var reformatted = Parse(Purchase("""{ "currency":"EUR",  "amount":19.990, "orderId":"o-1" }""", extra: ""","sentAt":"2026-11-23T10:00:05Z" """)).Touchpoint!;
        var changed = Parse(Purchase("""{"orderId":"o-1","amount":20,"currency":"EUR"}""")).Touchpoint!;

        Assert.Equal(a.ContentHash, reformatted.ContentHash);
        Assert.NotEqual(a.ContentHash, changed.ContentHash);
    }

    [Fact]
    public void An_item_over_the_size_limit_is_rejected_as_too_large()
    {
        var small = new TouchpointParser(new IngestionLimits { MaxEventBytes = 100 });
        var (_, rejection) = small.Parse(Json(Purchase()), ReceivedAt, index: 3);

        Assert.Equal((RejectionReasons.TooLarge, 3, "e-1"), (rejection!.Reason, rejection.ItemIndex, rejection.EventId));
    }

    [Theory]
    [InlineData("nps", 11, false)]
    [InlineData("nps", 0, true)]
    [InlineData("csat", 0, false)]
    [InlineData("csat", 5, true)]
    [InlineData("stars", 5, false)]
    public void Survey_scores_are_checked_against_their_scale(string kind, int score, bool valid)
    {
        var json = $$$"""{"eventId":"s","customerId":"c-1","type":"survey_answered","occurredAt":"2026-11-23T10:00:00Z","source":"survey","data":{"surveyId":"q3","kind":"{{{kind}}}","score":{{{score}}}}}""";
        Assert.Equal(valid, Parse(json).Touchpoint is not null);
    }

    [Fact]
    public void Enum_errors_list_the_allowed_values()
    {
        var json = """{"eventId":"t","customerId":"c-1","type":"trial_ended","occurredAt":"2026-11-23T10:00:00Z","source":"app","data":{"outcome":"maybe"}}""";
        var message = Assert.Single(Parse(json).Rejection!.Errors["data.outcome"]);
        Assert.Contains("converted, expired, cancelled", message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_customer_cannot_refer_themselves()
    {
        var json = """{"eventId":"r","customerId":"c-1","type":"referral_made","occurredAt":"2026-11-23T10:00:00Z","source":"app","data":{"referredCustomerId":"c-1"}}""";
        Assert.Contains("data.referredCustomerId", Parse(json).Rejection!.Errors.Keys);
    }

    [Fact]
    public void Contact_details_need_at_least_one_value_and_a_valid_email()
    {
        static string Contact(string data) =>
            $$"""{"eventId":"p","customerId":"c-1","type":"contact_details_provided","occurredAt":"2026-11-23T10:00:00Z","source":"crm","data":{{data}}}""";

        Assert.NotNull(Parse(Contact("{}")).Rejection);
        Assert.NotNull(Parse(Contact("""{"name":""}""")).Rejection);
        Assert.Contains("data.email", Parse(Contact("""{"email":"not-an-email"}""")).Rejection!.Errors.Keys);
        Assert.NotNull(Parse(Contact("""{"email":"ann@example.com","phone":"+44 20 7946 0000"}""")).Touchpoint);
    }
}
