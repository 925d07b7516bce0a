using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Agent.V1;
using SuperCloud.NodeAgent.Hypervisor.Xen;

namespace SuperCloud.NodeAgent.Tests.Api;

public sealed class CallDeadlineTests : IAsyncLifetime
{
    private readonly SuperCloud.Images.ImageCache _images = GuestImage.OfflineCache();
    private readonly string _dir = TestEnvironment.NewTempDir("scdl");
    private readonly CertificateAuthority _ca = CertificateAuthority.Create("deadline-ca", TimeSpan.FromDays(1), TimeProvider.System);
    private readonly List<GrpcChannel> _channels = [];
    private WebApplication _app = null!;

    private string XlScript => Path.Combine(_dir, "xl");

    public async Task InitializeAsync()
    {
        // A toolstack that never answers: what a wedged xl looks like. The privcmd stand-in makes the driver try it. The
        // shell stays (no exec) so its command line keeps the script's path, by which the tests find it in /proc.
        await File.WriteAllTextAsync(XlScript, $"#!/bin/sh\necho \"$@\" >> {_dir}/calls\nsleep 30\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(XlScript, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        await File.WriteAllTextAsync(Path.Combine(_dir, "privcmd"), "");
        var driver = new XenDriver(new XenDriverOptions { StateDirectory = Path.Combine(_dir, "vms"), XlBinary = XlScript, PrivcmdDevice = Path.Combine(_dir, "privcmd") }, _images, TimeProvider.System);
        var options = new NodeAgentOptions { ListenAddress = "127.0.0.1", Port = 0, Hypervisor = "xen", DefaultCallDeadline = TimeSpan.FromMilliseconds(500) };
        _app = AgentServer.Build(options, TestCredentials.ForNode(_ca, options.NodeName), driver, _images, TimeProvider.System, b => b.Logging.ClearProviders());
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _channels.ForEach(c => c.Dispose());
        await _app.StopAsync();
        await _app.DisposeAsync();
        _ca.Dispose();
        _images.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private SuperCloud.Agent.V1.NodeAgent.NodeAgentClient Client()
    {
        var handler = TestTls.Handler(_ca.Certificate, _ca.IssueClient(PeerIdentity.Operator, TimeSpan.FromDays(1)));
        var address = new UriBuilder(AgentServer.ListeningAddress(_app)) { Host = "localhost" }.Uri;
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        _channels.Add(channel);
        return new(channel);
    }

    [Fact]
    public async Task Call_without_deadline_gets_the_agents_default_and_its_work_is_abandoned()
    {
        var act = async () => await Client().GetHostFactsAsync(new GetHostFactsRequest());

        var error = (await act.Should().ThrowAsync<RpcException>()).Which;
        error.StatusCode.Should().Be(StatusCode.DeadlineExceeded);
        error.Status.Detail.Should().Contain("default deadline of 0.5 s");
        await Poll.UntilAsync(() => Task.FromResult(SleepingXlCount()), n => n == 0, TimeSpan.FromSeconds(5), "hung xl killed");
    }

    [Fact]
    public async Task Callers_own_deadline_is_honoured_and_the_agent_abandons_the_work_at_it()
    {
        // The client enforces its deadline by itself, so the error alone proves nothing about the agent: the proof is
        // the agent's hung toolstack call, started inside the deadline and killed once the deadline passes.
        var call = Client().GetHostFactsAsync(new GetHostFactsRequest(), deadline: DateTime.UtcNow.AddSeconds(3));
        await Poll.UntilAsync(() => Task.FromResult(SleepingXlCount()), n => n > 0, TimeSpan.FromSeconds(3), "the agent runs xl for the call");

        var act = async () => await call;

        (await act.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.DeadlineExceeded);
        await Poll.UntilAsync(() => Task.FromResult(SleepingXlCount()), n => n == 0, TimeSpan.FromSeconds(5), "the agent killed the hung xl at the caller's deadline");
    }

    // Counts the fake `xl info` processes of this test still alive (their command line names this test's directory): the
    // calls' own, not the agent's background `xl list` polls, which have their own timeout.
    private int SleepingXlCount() =>
        Directory.EnumerateDirectories("/proc").Count(p =>
        {
            try
            {
                return int.TryParse(Path.GetFileName(p), out _) && File.ReadAllText(Path.Combine(p, "cmdline")).Contains(XlScript + "\0info", StringComparison.Ordinal)
                    && !File.ReadAllText(Path.Combine(p, "stat")).Split(')')[1].TrimStart().StartsWith('Z');
            }
            catch (IOException)
            {
                return false;
            }
        });
}
