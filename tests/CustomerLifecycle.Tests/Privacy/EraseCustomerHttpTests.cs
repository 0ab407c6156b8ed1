using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerLifecycle.Tests.Support;
using Npgsql;

namespace CustomerLifecycle.Tests.Privacy;

[Collection(AppFixtureGroup.Name)]
public class EraseCustomerHttpTests(CustomerLifecycleApp app)
{
    private readonly HttpClient client = app.ClientWithKey(TestKeys.All);

    /// <summary>Every place in the whole database (every schema, table and column, bytea decoded) where a value occurs.</summary>
    private async Task<List<string>> FindEverywhereAsync(string value)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        var columns = new List<(string Schema, string Table, string Column, string Type)>();
        await using (var command = dataSource.CreateCommand(
                         """
                         select c.table_schema, c.table_name, c.column_name, c.data_type from information_schema.columns c
                         join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
                         where c.table_schema not in ('pg_catalog', 'information_schema')
                         """))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }
        }

        var hits = new List<string>();
        foreach (var (schema, table, column, type) in columns)
        {
            var text = type == "bytea" ? $"encode(\"{column}\", 'escape')" : $"\"{column}\"::text";
            await using var command = dataSource.CreateCommand($"select count(*) from \"{schema}\".\"{table}\" where {text} ilike '%' || $1 || '%'");
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                hits.Add($"{schema}.{table}.{column}");
            }
        }

        return hits;
    }

    [Fact]
    public async Task Erasure_removes_personal_data_from_the_whole_database_and_keeps_the_lifecycle_history()
    {
        var customer = Json.NewId("c");
        var email = $"{Json.NewId("ann")}@example.com";
        var name = Json.NewId("Ann Example");
        var contact = Json.Touchpoint("contact_details_provided", customer, new JsonObject { ["name"] = name, ["email"] = email, ["phone"] = "+44 20 7946 0000" });
        var rejected = Json.Touchpoint("contact_details_provided", customer, new JsonObject { ["email"] = email, ["phone"] = "call me maybe" });
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/touchpoints/batch", Json.Batch(contact, Json.Purchase(customer)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/touchpoints", rejected)).StatusCode);
        // A malformed batch carrying the same data is quarantined without any customer id on the row.
        var broken = new StringContent(Json.Batch(contact.DeepClone()).ToJsonString() + ",", System.Text.Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync("/api/touchpoints/batch", broken)).StatusCode);
        await app.WaitForProjectionsAsync();
        Assert.NotEmpty(await FindEverywhereAsync(email)); // the search can find it before erasure

        var response = await client.PostAsJsonAsync($"/api/customers/{customer}/erase", new { reason = "GDPR art. 17 request 4711" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["quarantinedPayloadsErased"]!);
        Assert.Empty(await FindEverywhereAsync(email));
        Assert.Empty(await FindEverywhereAsync(name));
        Assert.Empty(await FindEverywhereAsync("7946 0000"));

        // History the lifecycle needs is intact; the contact event remains as a fact without its personal data.
        var events = (await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/events"))!["events"]!.AsArray();
        Assert.Equal(["contact_details_provided", "purchase_completed"], events.Select(e => (string)e!["type"]!));
        Assert.Null(events[0]!["data"]!["email"]);
        Assert.Equal("customer", (string)(await client.GetFromJsonAsync<JsonObject>($"/api/customers/{customer}/profile"))!["stage"]!);

        // A client retrying the original event cannot bring the data back.
        var retry = await client.PostAsJsonAsync("/api/touchpoints", contact);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Empty(await FindEverywhereAsync(email));
    }

    [Fact]
    public async Task Erasing_an_unknown_customer_is_404_and_a_missing_reason_is_400()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/customers/{Json.NewId("nobody")}/erase", new { reason = "test" })).StatusCode);
        var response = await client.PostAsJsonAsync($"/api/customers/{Json.NewId("nobody")}/erase", new { reason = "" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["reason"]);
    }
    [Fact]
    public async Task Contact_details_that_commit_while_an_erasure_waits_for_the_customer_are_masked_too()
    {
        var customer = Json.NewId("c");
        var contact = Json.Touchpoint("contact_details_provided", customer, new JsonObject { ["email"] = $"{Json.NewId("first")}@example.com" });
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/touchpoints", contact)).StatusCode);
        var late = $"{Json.NewId("late")}@example.com";

        // An append in flight: it holds the customer's stream row (as the append path does from its upsert of
        // mt_streams to its COMMIT) and writes personal data that commits only after the erasure has started.
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using var inFlight = await dataSource.OpenConnectionAsync();
        await using var transaction = await inFlight.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("select 1 from customer_lifecycle.mt_streams where id = $1 for update", inFlight, transaction))
        {
            hold.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customer });
            await hold.ExecuteScalarAsync();
        }

        var erasure = client.PostAsJsonAsync($"/api/customers/{customer}/erase", new { reason = "GDPR art. 17 request 4712" });
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(erasure.IsCompleted, "the erasure must wait for the append that holds the customer's stream");
        await using (var write = new NpgsqlCommand(
                         "update customer_lifecycle.mt_events set data = jsonb_set(data, '{email}', to_jsonb($2::text)) where stream_id = $1 and type = 'contact_details_provided'",
                         inFlight, transaction))
        {
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = customer });
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = late });
            Assert.Equal(1, await write.ExecuteNonQueryAsync());
        }

        await transaction.CommitAsync();

        Assert.Equal(HttpStatusCode.OK, (await erasure).StatusCode);
        Assert.Empty(await FindEverywhereAsync(late));
    }
    [Fact]
    public async Task An_erasure_that_fails_part_way_leaves_nothing_masked_and_a_retry_erases_everything()
    {
        var customer = Json.NewId("fail-erasure");
        var email = $"{Json.NewId("kept")}@example.com";
        var contact = Json.Touchpoint("contact_details_provided", customer, new JsonObject { ["email"] = email });
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/api/touchpoints", contact)).StatusCode);

        // The erasure log refuses this customer: the last step of the erasure fails after the events were rewritten.
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        await using (var refuse = dataSource.CreateCommand(
                         $$"""
                          create function customer_lifecycle.test_refuse_erasure() returns trigger language plpgsql as
                          $f$ begin if new.customer_id = '{{customer}}' then raise exception 'erasure log refused'; end if; return new; end $f$;
                          create trigger test_refuse_erasure before insert on customer_lifecycle.cl_erasures
                            for each row execute function customer_lifecycle.test_refuse_erasure();
                          """))
        {
            await refuse.ExecuteNonQueryAsync();
        }

        try
        {
            var failed = await client.PostAsJsonAsync($"/api/customers/{customer}/erase", new { reason = "GDPR art. 17 request 4713" });
            Assert.False(failed.IsSuccessStatusCode);
            Assert.Contains("customer_lifecycle.mt_events.data", await FindEverywhereAsync(email));
        }
        finally
        {
            await using var drop = dataSource.CreateCommand(
                "drop trigger test_refuse_erasure on customer_lifecycle.cl_erasures; drop function customer_lifecycle.test_refuse_erasure();");
            await drop.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/api/customers/{customer}/erase", new { reason = "GDPR art. 17 request 4713" })).StatusCode);
        Assert.Empty(await FindEverywhereAsync(email));
    }
}
