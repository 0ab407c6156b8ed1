using System.Text.RegularExpressions;

namespace CustomerLifecycle.Ingestion;

/// <summary>
/// The alphabet of customer ids. A customer id is a stream id and a URL path segment
/// (<c>/api/customers/{customerId}/…</c>), so it uses only the characters a path segment carries unescaped: read,
/// erasure and export then find exactly the stream that was written, whatever client library builds the URL.
/// </summary>
public static partial class CustomerIds
{
    public const int MaxLength = 128;

    public const string Rule =
        "must be 1-128 characters from A-Z a-z 0-9 - . _ ~ : @ ! $ & ' ( ) * + , ; = (no '/', '\\', '%', '?', '#', spaces or non-ASCII), not '.' or '..' alone, and not starting with '$'";

    public static bool IsValid(string? id) =>
        id is { Length: > 0 and <= MaxLength } && Alphabet().IsMatch(id) && id is not ("." or "..") && !id.StartsWith('$');

    /// <summary>Whether <paramref name="prefix"/> can begin valid customer ids (imports and CLV fits scope by prefix).</summary>
    public static bool IsValidPrefix(string? prefix, int maxLength) =>
        prefix is { Length: > 0 } && prefix.Length <= maxLength && Alphabet().IsMatch(prefix) && !prefix.StartsWith('$');

    [GeneratedRegex(@"^[A-Za-z0-9\-._~:@!$&'()*+,;=]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Alphabet();
}
