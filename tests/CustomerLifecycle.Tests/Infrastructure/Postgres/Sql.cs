using Npgsql;

namespace CustomerLifecycle.Tests.Infrastructure.Postgres;

internal static class Sql
{
    /// <summary>Runs one statement on a fresh unpooled connection and returns the first column of the first row.</summary>
    public static async Task<object?> ScalarAsync(string connectionString, string sql)
    {
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(unpooled);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }
}
