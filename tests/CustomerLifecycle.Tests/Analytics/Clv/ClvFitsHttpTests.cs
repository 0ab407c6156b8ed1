using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;

namespace CustomerLifecycle.Tests.Analytics.Clv;

[Collection(AppFixtureGroup.Name)]
public class ClvFitsHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient operate = app.ClientWithKey(TestKeys.Operate);
    private readonly HttpClient read = app.ClientWithKey(TestKeys.Read);

    [Fact]
    public async Task A_fit_is_accepted_with_a_status_resource_and_a_fit_with_nothing_to_fit_ends_with_no_data_saying_why()
    {
        var prefix = $"nobody{Guid.NewGuid():N}-";

        var response = await operate.PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject { ["customerPrefix"] = prefix, ["currency"] = "JPY" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        var id = (string)accepted["id"]!;
        Assert.Equal($"/api/analytics/clv/fits/{id}", response.Headers.Location!.ToString());
        Assert.Equal(("queued", "test-key-operate", $"/api/analytics/clv/snapshots/{id}"), ((string)accepted["status"]!, (string)accepted["requestedBy"]!, (string)accepted["snapshot"]!));

        var status = await ClvFitting.WaitAsync(operate, id, TimeSpan.FromMinutes(1));
        Assert.Equal("no_data", (string)status["status"]!);
        Assert.StartsWith("No purchase in JPY", (string)status["error"]!, StringComparison.Ordinal);

        var snapshot = (await read.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/snapshots/{id}"))!;
        Assert.Equal((prefix, "JPY", false), ((string)snapshot["settings"]!["customerPrefix"]!, (string)snapshot["settings"]!["currency"]!, (bool)snapshot["fullScope"]!));
        var noData = (await read.GetFromJsonAsync<JsonObject>("/api/analytics/clv/snapshots?status=no_data&limit=200"))!;
        Assert.Contains(noData["snapshots"]!.AsArray(), s => (string)s!["id"]! == id);
    }

    [Fact]
    public async Task A_bad_fit_request_is_400_with_every_field_named()
    {
        var response = await operate.PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject
        {
            ["currency"] = "dollars",
            ["calibrationEnd"] = "2999-01-01",
            ["marginRate"] = 2,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["calibrationEnd", "currency", "marginRate"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_fit_request_without_a_body_is_400()
    {
        var response = await operate.PostAsync("/api/analytics/clv/fits", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_fits_and_snapshots_are_404()
    {
        var id = Guid.NewGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await operate.GetAsync($"/api/analytics/clv/fits/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await read.GetAsync($"/api/analytics/clv/snapshots/{id}")).StatusCode);
    }

    [Fact]
    public async Task Bad_list_parameters_are_400()
    {
        var response = await read.GetAsync("/api/analytics/clv/snapshots?status=done&limit=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.Equal(["limit", "status"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Fitting_needs_operate_and_reading_snapshots_needs_read()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await read.PostAsJsonAsync("/api/analytics/clv/fits", new JsonObject())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await operate.GetAsync("/api/analytics/clv/snapshots")).StatusCode);
    }
}
