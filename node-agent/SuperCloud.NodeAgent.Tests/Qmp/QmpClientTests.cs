using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using SuperCloud.NodeAgent.Qmp;

namespace SuperCloud.NodeAgent.Tests.Qmp;

// A real QEMU with "-machine none" speaks the full protocol without booting anything, so it costs no CPU.
public sealed class QmpClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string _dir = TestEnvironment.NewTempDir("qmpt");
    private Process? _qemu;

    private string SocketPath => Path.Combine(_dir, "qmp.sock");

    public async Task InitializeAsync()
    {
        if (TestEnvironment.QemuMissing is not null)
        {
            return;
        }

        _qemu = Process.Start(new ProcessStartInfo(TestEnvironment.QemuBinary)
        {
            ArgumentList = { "-machine", "none", "-nodefaults", "-display", "none", "-S", "-qmp", $"unix:{SocketPath},server=on,wait=off" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        })!;
        var deadline = DateTime.UtcNow + Timeout;
        while (!File.Exists(SocketPath) && DateTime.UtcNow < deadline && !_qemu.HasExited)
        {
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        if (_qemu is { HasExited: false })
        {
            _qemu.Kill();
            await _qemu.WaitForExitAsync();
        }

        _qemu?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [SkippableFact]
    public async Task Connect_negotiates_capabilities_and_executes_commands()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await using var client = await QmpClient.ConnectAsync(SocketPath, TimeProvider.System, Timeout, CancellationToken.None);

        client.QemuVersion.Should().MatchRegex(@"^\d+\.\d+\.\d+$");
        var status = await client.ExecuteAsync("query-status", null, Timeout, CancellationToken.None);
        status.GetProperty("status").GetString().Should().Be("prelaunch");
    }

    [SkippableFact]
    public async Task Error_reply_throws_typed_error_naming_the_command()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await using var client = await QmpClient.ConnectAsync(SocketPath, TimeProvider.System, Timeout, CancellationToken.None);

        var act = () => client.ExecuteAsync("no-such-command", null, Timeout, CancellationToken.None);

        var error = (await act.Should().ThrowAsync<QmpCommandException>()).Which;
        error.Command.Should().Be("no-such-command");
        error.ErrorClass.Should().Be("CommandNotFound");
        error.Message.Should().Contain("'no-such-command'");
    }

    [SkippableFact]
    public async Task Bad_arguments_are_reported_with_qemus_description()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await using var client = await QmpClient.ConnectAsync(SocketPath, TimeProvider.System, Timeout, CancellationToken.None);

        var act = () => client.ExecuteAsync("qom-get", new JsonObject { ["path"] = "/nowhere", ["property"] = "x" }, Timeout, CancellationToken.None);

        (await act.Should().ThrowAsync<QmpCommandException>()).Which.Message.Should().Contain("qom-get").And.Contain("/nowhere");
    }

    [SkippableFact]
    public async Task Events_are_streamed_and_quit_completes_the_connection()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await using var client = await QmpClient.ConnectAsync(SocketPath, TimeProvider.System, Timeout, CancellationToken.None);
        using var cts = new CancellationTokenSource(Timeout);
        using var events = client.SubscribeEvents();
        // A second, independent consumer through the async-stream API; its first MoveNext subscribes.
        await using var stream = client.ReadEventsAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var firstFromStream = stream.MoveNextAsync();

        await client.ExecuteAsync("quit", null, Timeout, CancellationToken.None);
        var shutdown = await events.WaitForAsync("SHUTDOWN", cts.Token);

        shutdown.Data.GetProperty("reason").GetString().Should().Be("host-qmp-quit");
        (await firstFromStream).Should().BeTrue();
        stream.Current.Name.Should().Be("SHUTDOWN");
        (await stream.MoveNextAsync()).Should().BeFalse("the stream ends when QEMU closes the connection");
        await client.Completion.WaitAsync(Timeout);
        client.IsConnected.Should().BeFalse();
        var act = () => client.ExecuteAsync("query-status", null, Timeout, CancellationToken.None);
        (await act.Should().ThrowAsync<QmpDisconnectedException>()).Which.Command.Should().Be("query-status");
    }

    [Fact]
    public async Task Command_without_reply_times_out_naming_the_command()
    {
        // A peer that greets and acknowledges capabilities but then never answers: what a hung QEMU looks like.
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var path = Path.Combine(_dir, "silent.sock");
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var server = Task.Run(async () =>
        {
            using var conn = await listener.AcceptAsync();
            await conn.SendAsync(Encoding.UTF8.GetBytes("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}\r\n"));
            var buffer = new byte[4096];
            var read = await conn.ReceiveAsync(buffer);
            var id = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, read))!["id"]!.GetValue<string>();
            await conn.SendAsync(Encoding.UTF8.GetBytes($"{{\"return\": {{}}, \"id\": \"{id}\"}}\r\n"));
            while (await conn.ReceiveAsync(buffer) > 0)
            {
            }
        });
        await using var client = await QmpClient.ConnectAsync(path, TimeProvider.System, Timeout, CancellationToken.None);

        var act = () => client.ExecuteAsync("query-status", null, TimeSpan.FromMilliseconds(200), CancellationToken.None);

        var error = (await act.Should().ThrowAsync<QmpTimeoutException>()).Which;
        error.Command.Should().Be("query-status");
        error.Message.Should().Contain("no reply within 0.2 s");
    }

    [Fact]
    public async Task Connect_to_missing_socket_fails_with_the_path()
    {
        var path = Path.Combine(_dir, "absent.sock");

        var act = () => QmpClient.ConnectAsync(path, TimeProvider.System, Timeout, CancellationToken.None);

        (await act.Should().ThrowAsync<QmpDisconnectedException>()).Which.Message.Should().Contain(path);
    }
}
