using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;
using Microsoft.Playwright;

namespace CustomerLifecycle.Tests.Console;

/// <summary>The console in real Chromium over the real service and PostgreSQL, cross-checked against the JSON API.</summary>
[Collection(ConsoleBrowserGroup.Name)]
public class ConsoleBrowserTests(ConsoleBrowser browser)
{
    private const string SessionCookie = "customer-lifecycle-console";

    private readonly HttpClient api = browser.App.ClientWithKey(TestKeys.All);

    private async Task PostAsync(params JsonNode[] touchpoints)
    {
        var response = await api.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(touchpoints));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await browser.App.WaitForProjectionsAsync();
    }

    private static JsonObject Click(string customer, string channel, string at) =>
        Json.Touchpoint("ad_clicked", customer, new JsonObject { ["channel"] = channel }, occurredAt: at);

    [Fact]
    public async Task An_unknown_key_is_refused_with_a_field_error_and_no_session()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("/");
        Assert.Contains("/sign-in", page.Url, StringComparison.Ordinal);

        await page.GetByLabel("API key").FillAsync("not-a-configured-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Assertions.Expect(page.Locator("#api-key-error")).ToContainTextAsync("API key is not valid");
        Assert.DoesNotContain("not-a-configured-key", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-configured-key", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        await page.GotoAsync("/");
        Assert.Contains("/sign-in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_key_reaches_the_analyst_pages_but_not_the_operator_pages_and_signs_out()
    {
        var page = await browser.SignedInPageAsync(TestKeys.Read);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Exact = true })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"Signed in as {TestKeys.Read}");
        var cookie = Assert.Single(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        Assert.True(cookie.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, cookie.SameSite);
        Assert.DoesNotContain(TestKeys.Read, cookie.Value, StringComparison.Ordinal);

        var nav = page.GetByRole(AriaRole.Navigation, new() { Name = "Console pages" });
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Customer 360" })).ToBeVisibleAsync();
        await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Operations" })).ToHaveCountAsync(0);
        await page.GotoAsync("/operations");
        Assert.Contains("/forbidden", page.Url, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This key lacks the scope this page needs" })).ToBeVisibleAsync();

        // The session does not open the API: it still wants the key header.
        var fromPage = await page.APIRequest.GetAsync("/api/lifecycle/stages");
        Assert.Equal(401, fromPage.Status);

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/sign-in", StringComparison.Ordinal));
        Assert.DoesNotContain(await page.Context.CookiesAsync(), c => c.Name == SessionCookie);
        await page.GotoAsync("/customers");
        Assert.Contains("/sign-in", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operate_only_key_sees_operations_but_not_the_analyst_pages()
    {
        var page = await browser.SignedInPageAsync(TestKeys.Operate, "/operations");

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Operations" })).ToBeVisibleAsync();
        var report = (await api.GetFromJsonAsync<JsonObject>("/api/projections"))!;
        var projection = report["projections"]![0]!["projection"]!.GetValue<string>();
        await Assertions.Expect(page.Locator($"tr[data-projection='{projection}']")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("as-of")).ToContainTextAsync("As of");

        await page.GotoAsync("/");
        Assert.Contains("/forbidden", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_overview_shows_the_same_stage_counts_as_the_api_and_the_channel_filter_changes_them()
    {
        var channel = Json.NewId("ch");
        string[] customers = [Json.NewId("c"), Json.NewId("c"), Json.NewId("c")];
        await PostAsync(
            Click(customers[0], channel, "2026-11-01T10:00:00Z"),
            Click(customers[1], channel, "2026-11-02T10:00:00Z"),
            Json.Purchase(customers[1], occurredAt: "2026-11-03T10:00:00Z"),
            Click(customers[2], channel, "2026-11-02T11:00:00Z"),
            Json.Purchase(customers[2], occurredAt: "2026-11-04T10:00:00Z"),
            Json.Purchase(customers[2], occurredAt: "2026-11-10T10:00:00Z"));
        var expected = (await api.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages?channel={channel}"))!;
        Assert.Equal(3, expected["customers"]!.GetValue<long>());

        var page = await browser.SignedInPageAsync(TestKeys.Read);
        // The prerendered page takes input only once it is interactive, which is when it enables its buttons.
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToBeEnabledAsync();
        await page.GetByLabel("Acquisition channel").FillAsync(channel);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("headline-customers")).ToHaveTextAsync("3");
        foreach (var stage in expected["stages"]!.AsArray())
        {
            var name = StageName(stage!["stage"]!.GetValue<string>());
            await Assertions.Expect(page.GetByTestId($"count-{name}")).ToHaveTextAsync(stage["customers"]!.GetValue<long>().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        var active = expected["stages"]!.AsArray()
            .Where(s => s!["stage"]!.GetValue<string>() is "customer" or "repeat_customer" or "loyal" or "advocate" or "won_back")
            .Sum(s => s!["customers"]!.GetValue<long>());
        await Assertions.Expect(page.GetByTestId("headline-active")).ToHaveTextAsync(active.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Assertions.Expect(page.GetByTestId("as-of")).ToContainTextAsync("As of");
        // The chart is drawn: one stacked area per stage.
        await Assertions.Expect(page.GetByTestId("trend-chart").Locator("svg path").Nth(9)).ToBeAttachedAsync();

        // Another channel that nobody came through shows nobody.
        await page.GetByLabel("Acquisition channel").FillAsync(Json.NewId("nobody"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("headline-customers")).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task The_overview_shows_the_periods_transitions_and_net_revenue_as_the_api_does_for_its_channel()
    {
        var now = DateTimeOffset.UtcNow;
        var channel = Json.NewId("ch");
        string buyer = Json.NewId("c"), looker = Json.NewId("c");
        static string At(DateTimeOffset at) => at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        await PostAsync(
            Click(buyer, channel, At(now.AddDays(-3))),
            Json.Purchase(buyer, amount: 25m, occurredAt: At(now.AddDays(-2))),
            Click(looker, channel, At(now.AddDays(-2))));
        // The overview's days: the 30 days up to today; its revenue: the calendar months they touch.
        var from = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-29);
        var to = DateOnly.FromDateTime(now.UtcDateTime);
        var flows = (await api.GetFromJsonAsync<JsonObject>($"/api/lifecycle/stages/flows?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&channel={channel}"))!;
        var revenue = (await api.GetFromJsonAsync<JsonObject>($"/api/analytics/revenue?from={from:yyyy-MM}&to={to:yyyy-MM}&channel={channel}"))!;
        Assert.Equal(25m, (decimal)revenue["total"]![0]!["amount"]!);

        var page = await browser.SignedInPageAsync(TestKeys.Read);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Apply" })).ToBeEnabledAsync();
        await page.GetByLabel("Acquisition channel").FillAsync(channel);
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("headline-revenue")).ToHaveTextAsync("25.00 EUR");
        foreach (var total in flows["totals"]!.AsArray())
        {
            var name = StageName(total!["stage"]!.GetValue<string>());
            await Assertions.Expect(page.GetByTestId($"entered-{name}")).ToHaveTextAsync(total["entered"]!.GetValue<long>().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
            await Assertions.Expect(page.GetByTestId($"left-{name}")).ToHaveTextAsync(total["left"]!.GetValue<long>().ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
        }

        await Assertions.Expect(page.GetByTestId("entered-Prospect")).ToHaveTextAsync("2");
        await Assertions.Expect(page.GetByTestId("left-Prospect")).ToHaveTextAsync("1");
        // The chart of the chosen stage is drawn, one column for the buyer's day.
        await Assertions.Expect(page.GetByTestId("flows-chart").Locator("svg path.rz-column, svg .rz-column-series path").First).ToBeAttachedAsync();

        // A channel nobody came through has no transitions and no revenue.
        await page.GetByLabel("Acquisition channel").FillAsync(Json.NewId("nobody"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("headline-revenue")).ToHaveTextAsync("–");
        await Assertions.Expect(page.GetByTestId("entered-Prospect")).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task Customer_360_shows_touchpoints_and_transitions_with_their_causes()
    {
        var customer = Json.NewId("c");
        await PostAsync(
            Click(customer, "search", "2026-11-01T10:00:00Z"),
            Json.Purchase(customer, amount: 42.50m, occurredAt: "2026-11-03T10:00:00Z"));
        var profile = (await api.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/profile"))!;
        var transitions = (await api.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/transitions"))!["transitions"]!.AsArray();
        Assert.NotEmpty(transitions);

        var page = await browser.SignedInPageAsync(TestKeys.All, "/customers");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Find" })).ToBeEnabledAsync();
        await page.GetByLabel("Customer id").FillAsync(customer);
        await page.GetByRole(AriaRole.Button, new() { Name = "Find" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("customer-id")).ToHaveTextAsync(customer);
        await Assertions.Expect(page.GetByTestId("customer-stage")).ToHaveTextAsync(StageTitle(profile["stage"]!.GetValue<string>()));
        await Assertions.Expect(page.GetByTestId("customer-purchases")).ToHaveTextAsync("1");
        var timeline = page.GetByTestId("timeline");
        var touchpoints = timeline.GetByRole(AriaRole.Row).Filter(new() { HasText = "Touchpoint" });
        await Assertions.Expect(touchpoints).ToHaveCountAsync(2);
        await Assertions.Expect(touchpoints.Nth(0)).ToContainTextAsync("ad_clicked");
        await Assertions.Expect(touchpoints.Nth(1)).ToContainTextAsync("purchase_completed");
        await Assertions.Expect(timeline.GetByRole(AriaRole.Row).Filter(new() { HasText = "Transition" })).ToHaveCountAsync(transitions.Count);
        foreach (var transition in transitions)
        {
            var rule = transition!["ruleId"]!.GetValue<string>();
            await Assertions.Expect(timeline.GetByRole(AriaRole.Row).Filter(new() { HasText = $"rule {rule}" }).First).ToContainTextAsync("because");
        }
    }

    [Fact]
    public async Task An_operator_erases_a_customer_from_the_360_page_after_a_confirmation_naming_them()
    {
        var customer = Json.NewId("c");
        var email = $"{Json.NewId("ann")}@example.com";
        await PostAsync(
            Json.Touchpoint("contact_details_provided", customer, new JsonObject { ["name"] = "Ann Example", ["email"] = email }),
            Json.Purchase(customer));

        var page = await browser.SignedInPageAsync(TestKeys.All, $"/customers/{customer}");
        await Assertions.Expect(page.GetByTestId("timeline")).ToContainTextAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase personal data…" }).ClickAsync();
        var confirmation = page.GetByTestId("erase-confirmation");
        await Assertions.Expect(confirmation.GetByRole(AriaRole.Heading)).ToHaveTextAsync($"Erase the personal data of customer {customer}?");

        await confirmation.GetByRole(AriaRole.Button, new() { Name = $"Erase {customer}" }).ClickAsync();
        await Assertions.Expect(page.Locator("#erase-reason-error")).ToHaveTextAsync("Reason is required, at most 500 characters.");

        await page.GetByLabel("Reason (kept in the erasure log)").FillAsync("GDPR art. 17 request #4711");
        await confirmation.GetByRole(AriaRole.Button, new() { Name = $"Erase {customer}" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("erasure-receipt")).ToContainTextAsync($"Personal data of {customer} erased");
        await Assertions.Expect(page.GetByTestId("erasure-receipt")).ToContainTextAsync($"by {TestKeys.All}");
        await Assertions.Expect(page.GetByTestId("timeline")).Not.ToContainTextAsync(email);
        var stored = (await api.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events"))!.ToJsonString();
        Assert.Contains("contact_details_provided", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(email, stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_key_sees_the_360_page_without_the_erase_button_or_the_audit()
    {
        var customer = Json.NewId("c");
        await PostAsync(Json.Purchase(customer));

        var page = await browser.SignedInPageAsync(TestKeys.Read, $"/customers/{customer}");

        await Assertions.Expect(page.GetByTestId("timeline")).ToContainTextAsync("purchase_completed");
        await Assertions.Expect(page.GetByTestId("timeline")).ToContainTextAsync("entered Customer");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Erase personal data…" })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task An_unknown_customer_is_reported_as_unknown()
    {
        var page = await browser.SignedInPageAsync(TestKeys.Read, $"/customers/{Json.NewId("nobody")}");

        await Assertions.Expect(page.GetByTestId("unknown-customer")).ToContainTextAsync("is known: nothing has been recorded");
    }

    /// <summary>The API's snake_case stage name as the enum name the page's test ids carry.</summary>
    private static string StageName(string wire) => string.Concat(wire.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));

    private static string StageTitle(string wire) => wire switch
    {
        "repeat_customer" => "Repeat customer",
        "at_risk" => "At risk",
        "won_back" => "Won back",
        _ => StageName(wire),
    };
}
