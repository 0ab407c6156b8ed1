using CustomerLifecycle.Lifecycle.Journeys;
using Npgsql;

namespace CustomerLifecycle.Tests.Support;

/// <summary>The counts kept for the population views, checked against counting the tables again.</summary>
public static class KeptCounts
{
    private const string Schema = "customer_lifecycle";

    /// <summary>The kept counts, zero rows aside (a count taken back to nothing leaves its row), equal a fresh count.</summary>
    public static async Task AssertEqualARecountAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var tables = new[]
        {
            (JourneyTables.Flows, "entered <> 0 or exited <> 0"),
            (JourneyTables.CohortActivity, "buyers <> 0 or revenue <> 0 or entries <> 0"),
            (JourneyTables.CohortSizes, "customers <> 0"),
            (PopulationCounts.StageTime, "customers <> 0 or spells <> 0 or micros <> 0"),
            (PopulationCounts.Funnel, "customers <> 0 or passed <> 0 or after_passing_previous <> 0 or micros <> 0"),
        };
        await ExecuteAsync(
            dataSource,
            string.Concat(tables.Select(t => $"drop table if exists {Schema}.{t.Item1}_check; create table {Schema}.{t.Item1}_check (like {Schema}.{t.Item1});"))
            + JourneyTables.CountFlowsSql(Schema, JourneyTables.Spells, JourneyTables.Flows + "_check")
            + JourneyTables.CountCohortsSql(Schema, JourneyTables.DocumentTable, JourneyTables.Months, JourneyTables.CohortActivity + "_check", JourneyTables.CohortSizes + "_check")
            + PopulationCounts.CountAllSql(Schema, JourneyTables.Spells, PopulationCounts.StageTime + "_check", PopulationCounts.Funnel + "_check"));
        try
        {
            foreach (var (table, nonZero) in tables)
            {
                var differences = await ScalarAsync(
                    dataSource,
                    $"""
                     select count(*) from (
                       (select * from {Schema}.{table} where {nonZero} except all select * from {Schema}.{table}_check)
                       union all
                       (select * from {Schema}.{table}_check except all select * from {Schema}.{table} where {nonZero})) d
                     """);
                Assert.True(differences == 0, $"{table}: {differences} rows differ from a recount");
                Assert.True(await ScalarAsync(dataSource, $"select count(*) from {Schema}.{table}_check") > 0, $"{table}: nothing counted");
            }
        }
        finally
        {
            await ExecuteAsync(dataSource, string.Concat(tables.Select(t => $"drop table {Schema}.{t.Item1}_check;")));
        }
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
