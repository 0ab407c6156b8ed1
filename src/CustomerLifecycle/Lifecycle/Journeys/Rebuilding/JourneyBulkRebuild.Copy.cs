using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using CustomerLifecycle.Infrastructure.Store;
using CustomerLifecycle.Ingestion;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CustomerLifecycle.Lifecycle.Journeys.Rebuilding;

// Writing a chunk of rebuilt journeys, their transition rows and mirror rows into the shadow tables by binary COPY.
public sealed partial class JourneyBulkRebuild
{
    /// <summary>The documents and their mirror rows, derived as the live projection's writer derives them.</summary>
    private async Task WriteAsync(NpgsqlConnection connection, List<JourneyChange> journeys, CancellationToken ct)
    {
        if (journeys.Count == 0)
        {
            return;
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
                         $"copy {Schema}.{JourneyTables.DocumentTable}{Suffix} (id, data, mt_dotnet_type, mt_version, stage, stage_since, next_due_at, last_activity_at, acquisition_channel, cohort) from stdin (format binary)", ct))
        {
            foreach (var (journey, version) in journeys.Select(j => (j.After, j.Version)))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(journey.Id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(serializer.ToJson(journey), NpgsqlDbType.Jsonb, ct);
                await copy.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(version, NpgsqlDbType.Bigint, ct);
                await WriteNullableAsync(copy, journey.Stage?.ToString(), NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, journey.StageSince?.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, journey.NextDueAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, journey.LastActivityAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, journey.AcquisitionChannel, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, journey.Cohort, NpgsqlDbType.Varchar, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
                         $"copy {Schema}.{JourneyTables.Spells}{Suffix} (customer_id, ordinal, stage, entered_at, left_at, entered_by, channel, cohort, first_seen_month) from stdin (format binary)", ct))
        {
            foreach (var row in journeys.SelectMany(j => j.Mirror.Spells))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(row.CustomerId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Ordinal, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(row.Stage, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.EnteredAt, NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, row.LeftAt, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(row.EnteredBy, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, row.Channel, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, row.Cohort, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, row.FirstSeenMonth, NpgsqlDbType.Varchar, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
                         $"copy {Schema}.{JourneyTables.Months}{Suffix} (customer_id, month, currency, cohort, purchases, revenue) from stdin (format binary)", ct))
        {
            foreach (var row in journeys.SelectMany(j => j.Mirror.Months))
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(row.CustomerId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Month, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Currency, NpgsqlDbType.Varchar, ct);
                await WriteNullableAsync(copy, row.Cohort, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Purchases, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(row.Revenue, NpgsqlDbType.Numeric, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
                         $"copy {Schema}.{JourneyTables.Transitions}{Suffix} (customer_id, ordinal, to_stage, effective_at, learned_at, superseded_at, is_correction, rule_id, data) from stdin (format binary)", ct))
        {
            foreach (var (id, row) in journeys.SelectMany(j => j.Learned.Select(t => (j.After.Id, t))))
            {
                var t = row.Transition;
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(id, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(row.Ordinal, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(t.To.ToString(), NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(t.EffectiveAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(t.LearnedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, t.SupersededAt?.ToUniversalTime(), NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(t.IsCorrection, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(t.RuleId, NpgsqlDbType.Varchar, ct);
                await copy.WriteAsync(serializer.ToJson(t), NpgsqlDbType.Jsonb, ct);
            }

            await copy.CompleteAsync(ct);
        }
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) =>
        value is null ? copy.WriteNullAsync(ct) : copy.WriteAsync(value, type, ct);

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct)
        where T : struct =>
        value is { } v ? copy.WriteAsync(v, type, ct) : copy.WriteNullAsync(ct);
}
