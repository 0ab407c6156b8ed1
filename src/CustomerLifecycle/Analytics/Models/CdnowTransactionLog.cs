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

/// <summary>One transaction line of a CDNOW file: its 1-based line number, its text, and what it parsed to.</summary>
/// <param name="LineNumber">Physical line number in the file, counting blank and header lines.</param>
/// <param name="Text">The line as read, without its line break.</param>
/// <param name="Transaction">The parsed purchase, or null when the line is malformed.</param>
/// <param name="Problem">Why the line is malformed ("date '19971301' is not yyyymmdd"), or null.</param>
public sealed record CdnowLine(int LineNumber, string Text, CdnowTransaction? Transaction, string? Problem);

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
    public static IEnumerable<CdnowTransaction> Parse(TextReader reader) =>
        ReadLines(reader).Select(line => line.Transaction ?? throw Malformed(line.LineNumber, line.Problem!));

    /// <summary>
    /// As <see cref="Parse"/>, but a malformed line is returned with its problem instead of ending the read, so an
    /// importer can report every bad line of a file and still load the good ones.
    /// </summary>
    public static IEnumerable<CdnowLine> ReadLines(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return ReadLinesLazily(reader);
    }

    private static IEnumerable<CdnowLine> ReadLinesLazily(TextReader reader)
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
                var (transaction, problem) = ParseFields(fields);
                yield return new CdnowLine(lineNumber, line, transaction, problem);
            }
        }
    }

    private static (CdnowTransaction? Transaction, string? Problem) ParseFields(string[] fields)
    {
        if (fields.Length is not (4 or 5))
        {
            return (null, $"expected 4 (master) or 5 (sample) fields but found {fields.Length}");
        }

        var offset = fields.Length - 4;
        var customerId = fields[0];
        if (!customerId.All(char.IsAsciiDigit))
        {
            return (null, $"customer id '{customerId}' is not a number");
        }

        if (!DateOnly.TryParseExact(fields[offset + 1], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return (null, $"date '{fields[offset + 1]}' is not yyyymmdd");
        }

        if (!int.TryParse(fields[offset + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var cds))
        {
            return (null, $"CD count '{fields[offset + 2]}' is not a whole number");
        }

        // Bounded like a touchpoint amount, so a corrupt line is reported here rather than overflowing later.
        if (!double.TryParse(fields[offset + 3], NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var dollars))
        {
            return (null, $"dollar value '{fields[offset + 3]}' is not a number");
        }

        if (dollars < 0)
        {
            return (null, $"dollar value '{fields[offset + 3]}' is negative; a purchase line carries what was paid, at least 0");
        }

        if (!double.IsFinite(dollars) || dollars > 1e12)
        {
            return (null, $"dollar value '{fields[offset + 3]}' is larger than 1,000,000,000,000");
        }

        return (new CdnowTransaction(customerId, offset == 1 ? fields[1] : null, date, cds, dollars), null);
    }

    private static FormatException Malformed(int lineNumber, string problem) =>
        new(string.Create(CultureInfo.InvariantCulture, $"CDNOW line {lineNumber}: {problem}."));
}
