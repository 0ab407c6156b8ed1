using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Tests.Analytics.ChurnRisk;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Analytics.Clv;

/// <summary>A fit names its purchase model or asks for the best on the holdout; the snapshot says which and why, and every customer is valued by it.</summary>
[Collection(AppFixtureGroup.Name)]
public class PurchaseModelChoiceHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient operate = app.ClientWithKey(TestKeys.Operate);
    private readonly HttpClient read = app.ClientWithKey(TestKeys.Read);

    private async Task<(string Prefix, DateOnly Today)> ImportShopAsync()
    {
        var prefix = $"family{Guid.NewGuid():N}-";
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var (log, _) = SyntheticShop.Log(today, 300, seed: 20261204);
        Assert.Equal(HttpStatusCode.OK, (await ClvFitting.ImportAsync(app.ClientWithKey(TestKeys.Ingest), log, $"source=family-shop&currency=EUR&customerPrefix={prefix}")).StatusCode);
        await app.WaitForProjectionsAsync();
        return (prefix, today);
    }

    private static JsonObject Request(string prefix, DateOnly today, string model) => new()
    {
        ["currency"] = "EUR", ["customerPrefix"] = prefix, ["model"] = model,
        ["calibrationEnd"] = today.AddDays(-120).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        ["holdoutEnd"] = today.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
    };

    private static PurchaseModel ModelOf(JsonNode candidate)
    {
        double P(string name) => (double)candidate["parameters"]!.AsArray().Single(p => (string)p!["name"]! == name)!["value"]!;
        return (string)candidate["model"]! switch
        {
            "bgnbd" => new BgNbdPurchases(new BgNbdParameters(P("r"), P("alpha"), P("a"), P("b"))),
            "mbgnbd" => new MbgNbdPurchases(new MbgNbdParameters(P("r"), P("alpha"), P("a"), P("b"))),
            _ => new ParetoNbdPurchases(new ParetoNbdParameters(P("r"), P("alpha"), P("s"), P("beta"))),
        };
    }

    [Fact]
    public async Task Best_fits_every_model_chooses_by_holdout_error_and_values_every_customer_with_the_chosen_one()
    {
        var (prefix, today) = await ImportShopAsync();

        var id = await ClvFitting.FitAsync(operate, Request(prefix, today, "best"), acceptDegraded: true);

        var snapshot = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/snapshots/{id}"))!;
        Assert.Equal("best", (string)snapshot["settings"]!["model"]!);
        var choice = snapshot["outcome"]!["purchaseModel"]!;
        var candidates = choice["candidates"]!.AsArray();
        Assert.Equal(["bgnbd", "mbgnbd", "paretonbd"], candidates.Select(c => (string)c!["model"]!));
        Assert.All(candidates, c => Assert.InRange((double)c!["holdout"]!["meanAbsoluteError"]!, 0, 10));
        var trusted = candidates.Where(c => c!["problems"]!.AsArray().Count == 0).ToList();
        var expected = (trusted.Count > 0 ? trusted : [.. candidates]).MinBy(c => (double)c!["holdout"]!["meanAbsoluteError"]!)!;
        Assert.Equal((string)expected["model"]!, (string)choice["model"]!);
        Assert.Equal(("best", true), ((string)choice["requested"]!, ((string)choice["criterion"]!).StartsWith("the smallest mean absolute error", StringComparison.Ordinal)));
        Assert.Contains((string)choice["model"]!, (string)choice["reason"]!, StringComparison.Ordinal);
        Assert.All(candidates, c => Assert.Contains((string)c!["model"]!, (string)choice["reason"]!, StringComparison.Ordinal));

        var model = ModelOf(expected);
        var value = (await read.GetFromJsonAsync<JsonObject>($"/api/customers/{prefix}00001/value"))!["current"]!;
        var summary = new CustomerSummary((int)value["frequency"]!, (double)value["recency"]!, (double)value["t"]!);
        Assert.Equal(id, (string)value["snapshotId"]!);
        Assert.Equal(model.ConditionalExpectedTransactions(summary, 52), (double)value["expectedPurchases"]!, 9);
        if (model is not BgNbdPurchases)
        {
            Assert.Equal(model.ProbabilityAlive(summary), (double)value["probabilityAlive"]!, 9);
        }

        Assert.InRange((double)value["churnRisk"]!, 0, 1);
    }

    [Fact]
    public async Task A_named_model_is_the_only_candidate_and_drives_the_customers_numbers()
    {
        var (prefix, today) = await ImportShopAsync();

        var id = await ClvFitting.FitAsync(operate, Request(prefix, today, "paretonbd"), acceptDegraded: true);

        var snapshot = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/snapshots/{id}"))!;
        var choice = snapshot["outcome"]!["purchaseModel"]!;
        var listed = (await read.GetFromJsonAsync<JsonObject>("/api/analytics/clv/snapshots?limit=200"))!["snapshots"]!.AsArray().Single(l => (string)l!["id"]! == id)!;
        Assert.Equal("paretonbd", (string)listed["purchaseModel"]!);
        Assert.Equal(("paretonbd", "paretonbd", (string?)null), ((string)choice["model"]!, (string)choice["requested"]!, (string?)choice["criterion"]));
        var candidate = choice["candidates"]!.AsArray().Single()!;
        Assert.Equal(["r", "alpha", "s", "beta"], candidate["parameters"]!.AsArray().Select(p => (string)p!["name"]!));
        Assert.All(candidate["parameters"]!.AsArray(), p => Assert.True((double?)p!["standardError"] > 0));
        Assert.NotNull(candidate["holdout"]);

        var ranking = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk?snapshotId={id}&limit=5"))!;
        var first = ranking["customers"]!.AsArray()[0]!;
        var value = (await read.GetFromJsonAsync<JsonObject>($"/api/customers/{(string)first["customerId"]!}/value"))!["current"]!;
        var summary = new CustomerSummary((int)value["frequency"]!, (double)value["recency"]!, (double)value["t"]!);
        Assert.Equal(ModelOf(candidate).ProbabilityAlive(summary), (double)first["probabilityAlive"]!, 9);
    }

    [Fact]
    public async Task An_unknown_model_or_best_without_a_holdout_is_400_naming_model()
    {
        foreach (var body in new[] { new JsonObject { ["model"] = "weibull" }, new JsonObject { ["model"] = "best" } })
        {
            var response = await operate.PostAsJsonAsync("/api/analytics/clv/fits", body);

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
            Assert.Equal(["model"], errors.Select(e => e.Key));
        }
    }
}
