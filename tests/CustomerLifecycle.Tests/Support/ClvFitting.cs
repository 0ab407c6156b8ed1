using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace CustomerLifecycle.Tests.Support;

/// <summary>Starting a CLV fit over HTTP and waiting for it, as an operator would.</summary>
public static class ClvFitting
{
    /// <param name="acceptDegraded">Also accept a fit kept as degraded (e.g. its churn risk ranks the holdout worse than recency alone, as on small synthetic shops).</param>
    public static async Task<string> FitAsync(HttpClient operate, JsonObject request, TimeSpan? timeout = null, bool acceptDegraded = false)
    {
        var response = await operate.PostAsJsonAsync("/api/analytics/clv/fits", request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!;
        var status = await WaitAsync(operate, id, timeout ?? TimeSpan.FromMinutes(3));
        Assert.True((string)status["status"]! == "completed" || (acceptDegraded && (string)status["status"]! == "degraded"), $"fit {id} ended {status.ToJsonString()}");
        return id;
    }

    public static async Task<JsonObject> WaitAsync(HttpClient operate, string id, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = (await operate.GetFromJsonAsync<JsonObject>($"/api/analytics/clv/fits/{id}"))!;
            if ((string)status["status"]! is "completed" or "degraded" or "failed" or "no_data" || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(200);
        }
    }

    public static async Task<HttpResponseMessage> ImportAsync(HttpClient ingest, string log, string query)
    {
        using var content = new StringContent(log, System.Text.Encoding.UTF8, "text/plain");
        return await ingest.PostAsync($"/api/imports/transactions?{query}", content);
    }
}
