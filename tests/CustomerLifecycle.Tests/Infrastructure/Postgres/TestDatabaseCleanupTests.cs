using CustomerLifecycle.Tests.Support;
using Npgsql;

namespace CustomerLifecycle.Tests.Infrastructure.Postgres;

/// <summary>Test runs do not pile up databases: a fixture's database is dropped when the fixture is done.</summary>
public class TestDatabaseCleanupTests
{
    [Fact]
    public async Task A_dropped_test_database_is_gone_even_with_a_connection_still_open()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("cleanup");
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var open = new NpgsqlConnection(connectionString);
        await open.OpenAsync();

        await TestPostgres.DropDatabaseAsync(connectionString);

        var admin = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        Assert.Equal(0L, await Sql.ScalarAsync(admin, $"select count(*) from pg_database where datname = '{name}'"));
    }
}
