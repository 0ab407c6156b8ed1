using System.Globalization;

namespace CustomerLifecycle.Analytics.Models;

/// <summary>One line of a CDNOW purchase file.</summary>
/// <param name="CustomerId">Customer id as written (leading zeros kept, e.g. "00004").</param>
/// <param name="SampleId">The 1/10 sample's own customer number (second column of CDNOW_sample.txt); null in the master file.</param>
/// <param name="Date">Purchase day.</param>
/// <param name="Cds">Number of CDs bought.</param>
/// <param name="Dollars">Dollar value of the purchase.</param>
public sealed record CdnowTransaction(string CustomerId, string? SampleId, DateOnly Date, int Cds, double Dollars)
{
    public Transaction ToTransaction() => new(CustomerId, Date, Dollars);
}

/// <summary>
/// Reader for the CDNOW files of Fader, Hardie &amp; Lee (2005): whitespace-separated columns, either
/// <c>customer date cds dollars</c> (CDNOW_master.txt, with a header line) or
/// <c>customer sample-id date cds dollars</c> (CDNOW_sample.txt); dates are yyyymmdd.
/// </summary>
public static class CdnowTransactionLog
{
    /// <summary>
    /// Parses lines lazily. Blank lines are skipped, as is a first non-blank line whose first field is not numeric
    /// (the master file's column header).
    /// </summary>
    /// <exception cref="FormatException">A line is malformed; the message names its 1-based line number.</exception>
    public static IEnumerable<CdnowTransaction> Parse(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ParseLines(reader);
    }

    private static IEnumerable<CdnowTransaction> ParseLines(TextReader reader)
    {
        var lineNumber = 0;
        var seenContent = false;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 0)
            {
                continue;
            }

            var isHeader = !seenContent && !fields[0].All(char.IsAsciiDigit);
            seenContent = true;
            if (!isHeader)
            {
                yield return ParseFields(fields, lineNumber);
            }
        }
    }

    private static CdnowTransaction ParseFields(string[] fields, int lineNumber)
    {
        if (fields.Length is not (4 or 5))
        {
            throw Malformed(lineNumber, $"expected 4 (master) or 5 (sample) fields but found {fields.Length}");
        }

        var offset = fields.Length - 4;
        var customerId = fields[0];
        if (!customerId.All(char.IsAsciiDigit))
        {
            throw Malformed(lineNumber, $"customer id '{customerId}' is not a number");
        }

        if (!DateOnly.TryParseExact(fields[offset + 1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            throw Malformed(lineNumber, $"date '{fields[offset + 1]}' is not yyyymmdd");
        }

        if (!int.TryParse(fields[offset + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var cds))
        {
            throw Malformed(lineNumber, $"CD count '{fields[offset + 2]}' is not a whole number");
        }

        if (!double.TryParse(fields[offset + 3], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var dollars))
        {
            throw Malformed(lineNumber, $"dollar value '{fields[offset + 3]}' is not a number");
        }

        return new CdnowTransaction(customerId, offset == 1 ? fields[1] : null, date, cds, dollars);
    }

    private static FormatException Malformed(int lineNumber, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"CDNOW line {lineNumber}: {problem}."));
}
