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

    [SkippableFact]
    public async Task Qemu_offers_out_of_band_execution_and_the_client_enables_it()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await using var client = await QmpClient.ConnectAsync(SocketPath, TimeProvider.System, Timeout, CancellationToken.None);

        client.SupportsOutOfBand.Should().BeTrue("QEMU's QMP socket runs its monitor in an I/O thread");
        var act = () => client.ExecuteOutOfBandAsync("migrate-pause", null, Timeout, CancellationToken.None);

        // migrate-pause is out-of-band capable; with no migration QEMU refuses it, which proves it parsed the exec-oob.
        (await act.Should().ThrowAsync<QmpCommandException>()).Which.Command.Should().Be("migrate-pause");
    }

    [Fact]
    public async Task Out_of_band_commands_are_answered_while_in_band_ones_wait_and_the_backlog_stays_below_qemus_queue()
    {
        // A peer that, like a post-copy target blocked on a missing page, answers out-of-band commands only, until released.
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        var path = Path.Combine(_dir, "blocked.sock");
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        var release = new TaskCompletionSource();
        var inBandReceived = 0;
        JsonNode? capabilities = null;
        var server = Task.Run(async () =>
        {
            using var conn = await listener.AcceptAsync();
            await using var stream = new NetworkStream(conn);
            using var reader = new StreamReader(stream);
            await stream.WriteAsync(Encoding.UTF8.GetBytes("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 0, \"major\": 10}}, \"capabilities\": [\"oob\"]}}\r\n"));
            var held = new List<string>();
            var releasing = release.Task;
            var reading = reader.ReadLineAsync();
            while (true)
            {
                if (await Task.WhenAny(reading, releasing) == releasing)
                {
                    foreach (var heldId in held)
                    {
                        await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"return\": {{}}, \"id\": \"{heldId}\"}}\r\n"));
                    }

                    held.Clear();
                    releasing = new TaskCompletionSource().Task;
                    continue;
                }

                var line = await reading;
                if (line is null)
                {
                    return;
                }

                reading = reader.ReadLineAsync();
                var message = JsonNode.Parse(line)!;
                var id = message["id"]!.GetValue<string>();
                if (message["execute"]?.GetValue<string>() == "qmp_capabilities")
                {
                    capabilities = message["arguments"];
                    await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"return\": {{}}, \"id\": \"{id}\"}}\r\n"));
                }
                else if (message["exec-oob"] is not null)
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"return\": {{\"oob\": true}}, \"id\": \"{id}\"}}\r\n"));
                }
                else if (release.Task.IsCompleted)
                {
                    await stream.WriteAsync(Encoding.UTF8.GetBytes($"{{\"return\": {{}}, \"id\": \"{id}\"}}\r\n"));
                }
                else
                {
                    Interlocked.Increment(ref inBandReceived);
                    held.Add(id);
                }
            }
        });
        await using var client = await QmpClient.ConnectAsync(path, TimeProvider.System, Timeout, CancellationToken.None);
        capabilities!["enable"]!.AsArray().Select(c => c!.GetValue<string>()).Should().Equal("oob");

        for (var i = 0; i < QmpClient.MaxInBandBacklog; i++)
        {
            var query = () => client.ExecuteAsync("query-migrate", null, TimeSpan.FromMilliseconds(50), CancellationToken.None);
            await query.Should().ThrowAsync<QmpTimeoutException>();
        }

        client.InBandBacklog.Should().Be(QmpClient.MaxInBandBacklog, "QEMU still holds every command whose caller gave up");
        var refused = () => client.ExecuteAsync("query-status", null, Timeout, CancellationToken.None);
        (await refused.Should().ThrowAsync<QmpTimeoutException>()).Which.Message.Should().Contain("not sent").And.Contain("6 earlier commands");
        (await client.ExecuteOutOfBandAsync("migrate-recover", new JsonObject { ["uri"] = "unix:/x" }, Timeout, CancellationToken.None))
            .GetProperty("oob").GetBoolean().Should().BeTrue("out-of-band commands pass a blocked main loop");
        Volatile.Read(ref inBandReceived).Should().Be(QmpClient.MaxInBandBacklog, "the refused command never reached QEMU");

        release.SetResult();
        await Poll.UntilAsync(() => Task.FromResult(client.InBandBacklog), backlog => backlog == 0, Timeout, "the late replies empty the backlog");
        (await client.ExecuteAsync("query-status", null, Timeout, CancellationToken.None)).ValueKind.Should().Be(System.Text.Json.JsonValueKind.Object);
        await client.DisposeAsync();
        await server;
    }

    [Fact]
    public async Task Connect_to_missing_socket_fails_with_the_path()
    {
        var path = Path.Combine(_dir, "absent.sock");

        var act = () => QmpClient.ConnectAsync(path, TimeProvider.System, Timeout, CancellationToken.None);

        (await act.Should().ThrowAsync<QmpDisconnectedException>()).Which.Message.Should().Contain(path);
    }
}
