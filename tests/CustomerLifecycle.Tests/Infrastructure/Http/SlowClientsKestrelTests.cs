using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using CustomerLifecycle.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerLifecycle.Tests.Infrastructure.Http;

/// <summary>
/// The service on a real Kestrel on a loopback port (the in-memory test server does not model sockets), with short
/// body and header timeouts so slow clients are judged within seconds.
/// </summary>
public sealed class KestrelApp : CustomerLifecycleApp
{
    public KestrelApp() => UseKestrel(0);

    protected override IEnumerable<(string Key, string Value)> Settings =>
    [
        ("Ingestion:MinRequestBodyBytesPerSecond", "100"),
        ("Ingestion:RequestBodyGracePeriod", "00:00:02"),
        ("Ingestion:RequestHeadersTimeout", "00:00:02"),
    ];

    public Uri Address
    {
        get
        {
            StartServer();
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        }
    }
}

/// <summary>Truncated and slow requests get 400 or 408 within the documented timeouts, never a 500 (docs/api.md, Limits).</summary>
public class SlowClientsKestrelTests(KestrelApp app) : IClassFixture<KestrelApp>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    public static TheoryData<string, string> Endpoints() => new()
    {
        { "/api/touchpoints", "application/json" },
        { "/api/touchpoints/batch", "application/json" },
        { "/api/lifecycle/what-if", "application/json" },
        { "/api/imports/transactions?source=cdnow&currency=USD", "text/plain" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_body_shorter_than_its_Content_Length_is_408_while_the_client_waits(string path, string contentType)
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, Head(path, contentType, "Content-Length: 1000") + "{\"touchpoints\": [");

        var (status, elapsed) = await ReadStatusAsync(socket);

        Assert.Equal(408, status);
        Assert.True(elapsed < Deadline, $"answered after {elapsed}");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_chunked_body_that_stops_mid_chunk_is_408_while_the_client_waits(string path, string contentType)
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, Head(path, contentType, "Transfer-Encoding: chunked") + "40\r\n{\"touch");

        var (status, elapsed) = await ReadStatusAsync(socket);

        Assert.Equal(408, status);
        Assert.True(elapsed < Deadline, $"answered after {elapsed}");
    }

    /// <summary>
    /// A client that closes its side mid-body has hung up as far as Kestrel is concerned: it gets a 400 or no answer,
    /// never a 5xx, and the service goes on serving.
    /// </summary>
    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_body_cut_off_by_the_client_closing_is_never_a_5xx(string path, string contentType)
    {
        using (var socket = await ConnectAsync())
        {
            await SendAsync(socket, Head(path, contentType, "Content-Length: 1000") + "{\"touchpoints\": [");
            socket.Shutdown(SocketShutdown.Send);

            var (status, _) = await ReadStatusAsync(socket);

            Assert.True(status is null or 400, $"got {status}");
        }

        using var client = new HttpClient { BaseAddress = app.Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", TestKeys.All);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(new Uri("/api/lifecycle/stages", UriKind.Relative))).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task A_body_that_stalls_is_408_after_the_grace_period(string path, string contentType)
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, Head(path, contentType, "Content-Length: 5000") + "{\"a\":");

        var (status, elapsed) = await ReadStatusAsync(socket);

        Assert.Equal(408, status);
        Assert.True(elapsed < Deadline, $"answered after {elapsed}");
    }

    [Fact]
    public async Task A_body_trickling_below_the_minimum_rate_is_408()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, Head("/api/touchpoints", "application/json", "Content-Length: 5000"));
        var trickle = Task.Run(async () =>
        {
            try
            {
                for (var i = 0; i < 40; i++)
                {
                    await SendAsync(socket, " ");
                    await Task.Delay(250);
                }
            }
            catch (SocketException)
            {
                // The server closed the connection: what the test waits for.
            }
        });

        var (status, elapsed) = await ReadStatusAsync(socket);
        await trickle;

        Assert.Equal(408, status);
        Assert.True(elapsed < Deadline, $"answered after {elapsed}");
    }

    [Fact]
    public async Task Headers_that_never_finish_are_408_after_the_headers_timeout()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, $"POST /api/touchpoints HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: {TestKeys.All}\r\n");

        var (status, elapsed) = await ReadStatusAsync(socket);

        Assert.Equal(408, status);
        Assert.True(elapsed < Deadline, $"answered after {elapsed}");
    }

    private static string Head(string path, string contentType, string lengthHeader) =>
        $"POST {path} HTTP/1.1\r\nHost: localhost\r\nX-Api-Key: {TestKeys.All}\r\nContent-Type: {contentType}\r\n{lengthHeader}\r\n\r\n";

    private async Task<Socket> ConnectAsync()
    {
        var address = app.Address;
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address.Host, address.Port);
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>The status of the response's first line (null when the server closed without one), and how long it took.</summary>
    private static async Task<(int? Status, TimeSpan Elapsed)> ReadStatusAsync(Socket socket)
    {
        var watch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(Deadline + TimeSpan.FromSeconds(5));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n", StringComparison.Ordinal))
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                read = 0;
            }

            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        var line = received.ToString().Split("\r\n")[0];
        if (line.Length == 0)
        {
            return (null, watch.Elapsed);
        }

        Assert.StartsWith("HTTP/1.1 ", line);
        return (int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), watch.Elapsed);
    }
}
