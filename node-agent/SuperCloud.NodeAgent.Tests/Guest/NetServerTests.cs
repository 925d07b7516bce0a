using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SuperCloud.NodeAgent.Tests.Guest;

// The guest's network services (netserver.c, forked by the checker) run on the build host too when given ports.
public sealed class NetServerTests : IAsyncLifetime
{
    private readonly int _http = FreePort();
    private readonly int _stream = FreePort();
    private Process _checker = null!;

    public async Task InitializeAsync()
    {
        var psi = new ProcessStartInfo(Path.Combine(GuestImage.Built, "checker")) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["mem_mib=4", "dirty_pages_per_sec=0", "heartbeat_ms=50", "run_seconds=20", $"http_port={_http}", $"stream_port={_stream}"])
        {
            psi.ArgumentList.Add(arg);
        }

        _checker = Process.Start(psi)!;
        _ = _checker.StandardError.ReadToEndAsync();
        string? line;
        while ((line = await _checker.StandardOutput.ReadLineAsync()) is not null && !line.StartsWith("NETSERVER", StringComparison.Ordinal))
        {
        }

        line.Should().Be($"NETSERVER READY http={_http} stream={_stream}");
        _ = _checker.StandardOutput.ReadToEndAsync();
    }

    public Task DisposeAsync()
    {
        _checker.Kill(entireProcessTree: true);
        _checker.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Get_root_answers_the_host_name_and_the_current_heartbeat()
    {
        var answer = await HttpAsync("/");

        answer.Should().StartWith("HTTP/1.0 200 OK\r\n");
        answer.Should().Contain($"\r\n\r\n{Dns.GetHostName()}\nHEARTBEAT ");
        (await HttpAsync("/nothing")).Should().StartWith("HTTP/1.0 404 Not Found\r\n");
    }

    [Fact]
    public async Task Fetch_has_the_guest_ask_another_address_for_its_root_and_refuses_anything_but_an_ip_and_port()
    {
        (await HttpAsync($"/fetch/127.0.0.1:{_http}")).Should().Contain($"\nHEARTBEAT ");
        (await HttpAsync("/fetch/localhost:80")).Should().Contain("use /fetch/IP:PORT");
        (await HttpAsync("/ping/127.0.0.1;reboot")).Should().StartWith("HTTP/1.0 404");
    }

    [Fact]
    public async Task The_stream_sends_a_line_every_period_also_to_a_client_that_shut_its_sending_side()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _stream);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        client.Client.Shutdown(SocketShutdown.Send);
        var counters = new List<long>();
        var clock = Stopwatch.StartNew();
        while (counters.Count < 10 && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var line = await reader.ReadLineAsync();
            line.Should().NotBeNull("the server keeps the connection after the client's half-close");
            line.Should().StartWith("HEARTBEAT ");
            counters.Add(long.Parse(line!["HEARTBEAT ".Length..], System.Globalization.CultureInfo.InvariantCulture));
        }

        counters.Should().HaveCount(10).And.BeInAscendingOrder();
        clock.Elapsed.Should().BeGreaterThan(TimeSpan.FromMilliseconds(9 * 50 * 0.8), "one line per heartbeat period");
    }

    [Fact]
    public async Task Every_client_gets_the_stream_while_others_come_and_go()
    {
        var held = new List<TcpClient>();
        try
        {
            for (var i = 0; i < 6; i++)
            {
                var client = new TcpClient();
                held.Add(client);
                await client.ConnectAsync(IPAddress.Loopback, _stream);
                var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
                for (var line = 0; line < 3; line++)
                {
                    (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10))).Should().StartWith("HEARTBEAT ", $"client {i} is served");
                }

                if (i % 2 == 1)
                {
                    held[i - 1].Dispose();
                }
            }
        }
        finally
        {
            held.ForEach(c => c.Dispose());
        }
    }

    private async Task<string> HttpAsync(string path)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _http);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.0\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
