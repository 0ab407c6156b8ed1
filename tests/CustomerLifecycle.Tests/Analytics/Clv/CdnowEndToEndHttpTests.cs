using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Analytics.Models;
using CustomerLifecycle.Tests.Support;
using Xunit.Abstractions;

namespace CustomerLifecycle.Tests.Analytics.Clv;

/// <summary>
/// The issue's acceptance test: the CDNOW sample goes in through the import API like any purchase history, and a fit
/// over exactly those customers reports the published results of Fader, Hardie &amp; Lee (2005).
/// </summary>
[Collection(AppFixtureGroup.Name)]
public class CdnowEndToEndHttpTests(CustomerLifecycleApp app, ITestOutputHelper output)
{
    private readonly HttpClient ingest = app.ClientWithKey(TestKeys.Ingest);
    private readonly HttpClient operate = app.ClientWithKey(TestKeys.Operate);
    private readonly HttpClient read = app.ClientWithKey(TestKeys.Read);

    private static void Near(double published, JsonNode? actual, double relative = 0.005) =>
        Assert.InRange((double)actual!, published * (1 - relative), published * (1 + relative));

    [Fact]
    public async Task The_imported_cdnow_sample_fits_to_the_published_parameters_and_holdout_total()
    {
        // The test database is shared: this run's customers get a prefix of their own, and the fit is restricted to it.
        var prefix = $"cdnow{Guid.NewGuid():N}-";
        var log = await File.ReadAllTextAsync(Path.Combine(CdnowData.Directory, "CDNOW_sample.txt"));

        var watch = Stopwatch.StartNew();
        var import = await ClvFitting.ImportAsync(ingest, log, $"source=cdnow&currency=USD&customerPrefix={prefix}");
        output.WriteLine($"import of 6,919 lines: {watch.Elapsed.TotalSeconds:0.00} s");

        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        var report = (await import.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal((6919, 6919, 0, 0), ((int)report["lines"]!, (int)report["accepted"]!, (int)report["duplicates"]!, (int)report["rejected"]!));

        await app.WaitForProjectionsAsync();
        watch.Restart();
        var id = await ClvFitting.FitAsync(operate, new JsonObject
        {
            ["currency"] = "USD",
            ["customerPrefix"] = prefix,
            ["observationStart"] = "1997-01-01",
            ["calibrationEnd"] = "1997-09-30",
            ["holdoutEnd"] = "1998-06-30",
        });
        output.WriteLine($"fit, holdout check and valuation of 2,357 customers: {watch.Elapsed.TotalSeconds:0.00} s");

        var status = (await operate.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/fits/{id}"))!;
        Assert.Equal(("completed", 2357L, 2357L), ((string)status["progress"]!["phase"]!, (long)status["progress"]!["done"]!, (long)status["progress"]!["total"]!));
        var snapshot = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/snapshots/{id}"))!;
        var outcome = snapshot["outcome"]!;
        output.WriteLine(outcome.ToJsonString());
        Assert.Equal((2357, 946), ((int)outcome["customers"]!, (int)outcome["repeatCustomers"]!));

        var bgnbd = outcome["transactionModel"]!;
        Near(0.243, bgnbd["r"]);
        Near(4.414, bgnbd["alpha"]);
        Near(0.793, bgnbd["a"]);
        Near(2.426, bgnbd["b"]);
        Assert.Equal(-9582.4, (double)bgnbd["logLikelihood"]!, 0.05);
        Assert.True((bool)bgnbd["converged"]!);

        var spend = outcome["spendModel"]!;
        Near(6.25, spend["p"]);
        Near(3.74, spend["q"]);
        Near(15.44, spend["gamma"]);
        Assert.Equal(946, (int)spend["customers"]!);

        var holdout = outcome["holdout"]!;
        Assert.Equal(1882, (int)holdout["totalActual"]!);
        Assert.Equal(39.0, (double)holdout["weeks"]!, 1e-9);
        Assert.Equal(1882, holdout["buckets"]!.AsArray().Sum(b => (double)b!["meanActual"]! * (int)b["customers"]!), 1e-6);

        // Customer 00004 of the sample bought on 1997-01-01, -01-18 and -08-02 (x = 2), and again in the holdout.
        var value = (await read.GetFromJsonAsync<JsonObject>($"/api/customers/{prefix}00004/value"))!;
        var current = value["current"]!;
        Assert.Equal(id, (string)current["snapshotId"]!);
        Assert.Equal((2, "USD", "1997-09-30"), ((int)current["frequency"]!, (string)current["currency"]!, (string)current["calibrationEnd"]!));
        Assert.InRange((double)current["probabilityAlive"]!, 0, 1);
        Assert.True((double)current["clv"]! > 0);
        Assert.Equal("completed", (string)current["snapshotStatus"]!);

        // The churn risk: validated on the holdout, above recency alone, and one-time buyers may be gone but not surely.
        var churn = outcome["churnHoldout"]!;
        output.WriteLine($"churn AUC {(double)churn["auc"]!:F4}, recency alone {(double)churn["recencyAuc"]!:F4}");
        Assert.True((double)churn["auc"]! > (double)churn["recencyAuc"]!);
        Assert.Equal(10, churn["deciles"]!.AsArray().Count);
        Assert.Empty(snapshot["problems"]!.AsArray());
        var oneTime = (await read.GetFromJsonAsync<JsonObject>($"/api/customers/{prefix}00050/value"))!["current"]!;
        Assert.Equal(0, (int)oneTime["frequency"]!);
        Assert.InRange((double)oneTime["probabilityAlive"]!, 0.01, 0.99);
        Assert.InRange((double)oneTime["churnRisk"]!, 0.01, 0.99);
        var segments = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/churn-risk/segments?snapshotId={id}"))!["segments"]!.AsArray();
        double MeanRisk(string segment) => (double)segments.Single(s => (string)s!["segment"]! == segment)!["risk"]!["averageChurnRisk"]!;
        Assert.True(MeanRisk("lost") > MeanRisk("champions") + 0.3, $"lost {MeanRisk("lost"):F3}, champions {MeanRisk("champions"):F3}");
    }
}
