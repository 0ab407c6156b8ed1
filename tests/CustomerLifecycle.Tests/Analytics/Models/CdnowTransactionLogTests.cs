using CustomerLifecycle.Analytics.Models;
using Xunit;

namespace CustomerLifecycle.Tests.Analytics.Models;

public class CdnowTransactionLogTests
{
    [Fact]
    public void Sample_format_lines_with_leading_spaces_are_parsed()
    {
        using var reader = new StringReader(" 00004 0001 19970101  2   29.33\r\n 00004 0001 19970118  2   29.73\r\n\r\n");

        var rows = CdnowTransactionLog.Parse(reader).ToList();

        Assert.Equal(2, rows.Count);
        Assert.Equal(new CdnowTransaction("00004", "0001", new DateOnly(1997, 1, 1), 2, 29.33), rows[0]);
        Assert.Equal(new Transaction("00004", new DateOnly(1997, 1, 18), 29.73), rows[1].ToTransaction());
    }

    [Fact]
    public void Master_format_with_its_header_line_is_parsed()
    {
        using var reader = new StringReader(" customer_id  date number_of_cds  dollar_value\n 00002 19970112  5   77.00\n");

        var row = Assert.Single(CdnowTransactionLog.Parse(reader));

        Assert.Equal(new CdnowTransaction("00002", null, new DateOnly(1997, 1, 12), 5, 77.00), row);
    }

    [Theory]
    [InlineData(" 00004 19970101  2\n", "CDNOW line 2: expected 4 (master) or 5 (sample) fields but found 3.")]
    [InlineData(" 00004 19971301  2  9.99\n", "CDNOW line 2: date '19971301' is not yyyymmdd.")]
    [InlineData(" 00004 19970101  two  9.99\n", "CDNOW line 2: CD count 'two' is not a whole number.")]
    [InlineData(" 00004 19970101  2  $9.99\n", "CDNOW line 2: dollar value '$9.99' is not a number.")]
    [InlineData(" 00004 19970101  2  -9.99\n", "CDNOW line 2: dollar value '-9.99' is negative; a purchase line carries what was paid, at least 0.")]
    [InlineData(" 00004 19970101  2  99999999999999999999999999999999.5\n", "CDNOW line 2: dollar value '99999999999999999999999999999999.5' is larger than 1,000,000,000,000.")]
    public void Malformed_lines_are_reported_with_their_line_number(string badLine, string message)
    {
        using var reader = new StringReader(" 00001 19970101  1   11.77\n" + badLine);

        var error = Assert.Throws<FormatException>(() => CdnowTransactionLog.Parse(reader).ToList());

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void The_shipped_files_have_the_documented_sizes()
    {
        var master = CdnowData.Read("CDNOW_master.txt");

        Assert.Equal(6919, CdnowData.Sample.Count);
        Assert.Equal(2357, CdnowData.Sample.Select(t => t.CustomerId).Distinct().Count());
        Assert.Equal(69659, master.Count);
        Assert.Equal(23570, master.Select(t => t.CustomerId).Distinct().Count());
    }
}
