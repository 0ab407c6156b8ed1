using System.Globalization;
using System.Text;

namespace CustomerLifecycle.WebConsole.Operations;

/// <summary>Bytes as an operator reads them: offset, sixteen bytes in hex, the printable ASCII beside them.</summary>
public static class HexDump
{
    public static string Of(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        for (var offset = 0; offset < bytes.Length; offset += 16)
        {
            var line = bytes.Slice(offset, Math.Min(16, bytes.Length - offset));
            text.Append(offset.ToString("x8", CultureInfo.InvariantCulture)).Append("  ");
            for (var i = 0; i < 16; i++)
            {
                text.Append(i < line.Length ? line[i].ToString("x2", CultureInfo.InvariantCulture) : "  ").Append(i == 7 ? "  " : " ");
            }

            text.Append(' ');
            foreach (var b in line)
            {
                text.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
