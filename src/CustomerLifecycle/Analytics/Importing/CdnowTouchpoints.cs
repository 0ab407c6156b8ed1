using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using CustomerLifecycle.Analytics.Models;
using CustomerLifecycle.Ingestion;

namespace CustomerLifecycle.Analytics.Importing;

/// <summary>How the lines of a transaction log become touchpoints.</summary>
/// <param name="Source">The touchpoint source, e.g. <c>cdnow</c>; also the first part of every event id.</param>
/// <param name="Currency">The currency of the amounts (CDNOW: USD); the log itself does not say.</param>
/// <param name="CustomerPrefix">Prepended to every customer id, to keep the ids of one import apart from others'.</param>
public sealed partial record ImportOptions(string Source, string Currency, string? CustomerPrefix = null)
{
    public const int MaxPrefixLength = 64;

    /// <summary>Every problem, keyed by the parameter's name, for a 400 before a single line is read.</summary>
    public static Dictionary<string, string[]> Validate(string? source, string? currency, string? customerPrefix)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(source) || source.Length > 64 || !SourcePattern().IsMatch(source))
        {
            errors["source"] = ["is required: 1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (e.g. cdnow)"];
        }

        if (currency is null || !CurrencyPattern().IsMatch(currency))
        {
            errors["currency"] = ["is required: three upper-case letters, e.g. USD"];
        }

        if (customerPrefix is not null
            && !CustomerIds.IsValidPrefix(customerPrefix, MaxPrefixLength))
        {
            errors["customerPrefix"] = [$"must be 1-{MaxPrefixLength} characters of a customer id (A-Z a-z 0-9 - . _ ~ : @ ! $ & ' ( ) * + , ; =), not starting with '$'"];
        }

        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SourcePattern();

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();

}

/// <summary>
/// One CDNOW purchase line as a purchase_completed touchpoint, in the wire format a service team would post.
/// </summary>
/// <remarks>
/// Ids are derived from the purchase itself, not from where it sits in a file: the n-th purchase of a customer on a
/// day is <c>{source}:{customer}:{yyyymmdd}:{n}</c>. Re-importing a file is therefore all duplicates, and so is
/// importing CDNOW_master.txt after CDNOW_sample.txt (the sample's lines are the master's, for fewer customers),
/// which a line-number id would have stored twice. CDNOW has no order numbers; the order id is <c>{yyyymmdd}-{n}</c>.
/// The business time is the day at 00:00 UTC, so the UTC calendar day the models count is the day in the file.
/// </remarks>
public static class CdnowTouchpoints
{
    public static string CustomerId(CdnowTransaction line, ImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(options);
        return options.CustomerPrefix + line.CustomerId;
    }

    public static string EventId(CdnowTransaction line, int ordinalOfDay, ImportOptions options) =>
        string.Create(CultureInfo.InvariantCulture, $"{options.Source}:{CustomerId(line, options)}:{line.Date:yyyyMMdd}:{ordinalOfDay}");

    /// <param name="ordinalOfDay">1 for the customer's first purchase that day in the log, 2 for the second, ….</param>
    public static byte[] ToJson(CdnowTransaction line, int ordinalOfDay, ImportOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", EventId(line, ordinalOfDay, options));
            writer.WriteString("customerId", CustomerId(line, options));
            writer.WriteString("type", "purchase_completed");
            writer.WriteString("occurredAt", string.Create(CultureInfo.InvariantCulture, $"{line.Date:yyyy-MM-dd}T00:00:00Z"));
            writer.WriteString("source", options.Source);
            writer.WriteStartObject("data");
            writer.WriteString("orderId", string.Create(CultureInfo.InvariantCulture, $"{line.Date:yyyyMMdd}-{ordinalOfDay}"));
            // The file has cents; rounding to the four places a touchpoint allows only removes binary noise of the double.
            writer.WriteNumber("amount", Math.Round((decimal)line.Dollars, 4));
            writer.WriteString("currency", options.Currency);
            writer.WriteStartArray("items");
            writer.WriteStartObject();
            writer.WriteNumber("quantity", line.Cds);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
