using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.NodeAgent.Hypervisor.Qemu;
using SuperCloud.NodeAgent.Migration;
using SuperCloud.NodeAgent.Tests.Api;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Migration;

/// <summary>
/// Two real agents on loopback (each its own gRPC server, QEMU driver, state and socket directories, certificate) and
/// one guest booted on the first, shared by the migration tests of a class: each test moves the guest from wherever it
/// runs to the other agent, so the class pays for one boot.
/// </summary>
public class MigrationAgents : IAsyncLifetime
{
    public const string VmId = "migrating-guest";
    private static readonly TimeSpan Validity = TimeSpan.FromDays(1);
    private readonly List<GrpcChannel> _channels = [];

    public CertificateAuthority Ca { get; } = CertificateAuthority.Create("test-cluster-ca", Validity, TimeProvider.System);

    public X509Certificate2 OperatorCertificate { get; private set; } = null!;

    public Agent A { get; private set; } = null!;

    public Agent B { get; private set; } = null!;

    /// <summary>The agent the guest runs on now.</summary>
    public Agent Current { get; set; } = null!;

    /// <summary>The ownership epoch of the guest's running copy (the operator's SuperPod status.ownerEpoch).</summary>
    public long Epoch { get; set; } = 1;

    public Agent Other => Current == A ? B : A;

    public async Task InitializeAsync()
    {
        if (GuestImage.Missing is not null)
        {
            return;
        }

        OperatorCertificate = Ca.IssueClient(PeerIdentity.Operator, Validity);
        A = await StartAgentAsync("agent-a");
        B = await StartAgentAsync("agent-b");
        await A.Client.CreateVmAsync(new V1.CreateVmRequest { Spec = Spec(), Epoch = Epoch }, deadline: Deadline(30));
        await A.Client.StartVmAsync(new V1.VmRequest { Id = VmId, Epoch = Epoch }, deadline: Deadline(30));
        Current = A;
        await Poll.UntilAsync(() => Current.ConsoleAsync(), Booted, TimeSpan.FromSeconds(90), "the guest's checks running");
    }

    /// <summary>The guest that starts on agent A.</summary>
    public virtual V1.VmSpec Spec() =>
        new() { Id = VmId, Vcpus = 1, MemoryMib = 256, Boot = new V1.Boot { Image = GuestImage.KernelReference, Cmdline = GuestImage.Cmdline(memMib: 64, dirtyPagesPerSec: 4000) } };

    public async Task DisposeAsync()
    {
        foreach (var agent in new[] { A, B }.Where(a => a is not null))
        {
            await agent.DisposeAsync();
        }

        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
    }

    /// <summary>Whether the guest's checks have passed once (and any others this fixture's guest runs).</summary>
    protected virtual bool Booted(string console) => ConsoleLog.HasMemcheckOk(console);

    public static DateTime Deadline(int seconds) => DateTime.UtcNow.AddSeconds(seconds);

    /// <summary>A fresh one-time token.</summary>
    public static Google.Protobuf.ByteString NewToken() => Google.Protobuf.ByteString.CopyFrom(RandomNumberGenerator.GetBytes(32));

    /// <summary>Prepares <paramref name="target"/> for the guest under the next epoch and starts sending the guest from <paramref name="source"/>.</summary>
    public async Task StartMigrationAsync(Agent source, Agent target, string id, V1.MigrationOptions options)
    {
        var token = NewToken();
        var prepared = await target.Client.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest
        {
            MigrationId = id, Token = token, Spec = Spec(), SourceNode = source.Name, Options = options, Epoch = Epoch + 1,
        }, deadline: Deadline(30));
        prepared.Phase.Should().Be(V1.MigrationPhase.Prepared);
        await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
        {
            MigrationId = id, VmId = VmId, Token = token, TargetNode = target.Name, TargetEndpoint = target.Endpoint, Options = options,
            SourceEpoch = Epoch, TargetEpoch = Epoch + 1,
        }, deadline: Deadline(30));
    }

    private async Task<Agent> StartAgentAsync(string name)
    {
        var state = TestEnvironment.NewTempDir("scmv");
        var sockets = TestEnvironment.NewTempDir("scms");
        var images = GuestImage.NewCache();
        var driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = state }, images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        var options = new NodeAgentOptions { NodeName = name, ListenAddress = "127.0.0.1", Port = 0, ReservedMemoryMib = 128 };
        var migration = new MigrationOptions { SocketDirectory = sockets, SwitchAcknowledgeTimeout = TimeSpan.FromSeconds(20) };
        var app = AgentServer.Build(options, TestCredentials.ForNode(Ca, name), driver, images, TimeProvider.System, b => b.Logging.ClearProviders(), migration);
        await app.StartAsync();
        var address = AgentServer.ListeningAddress(app);
        var channel = GrpcChannel.ForAddress(new UriBuilder(address) { Host = "localhost" }.Uri,
            new GrpcChannelOptions { HttpHandler = TestTls.Handler(Ca.Certificate, OperatorCertificate), DisposeHttpClient = true });
        _channels.Add(channel);
        return new Agent(name, app, driver, images, migration, state, sockets, $"127.0.0.1:{address.Port}", new V1.NodeAgent.NodeAgentClient(channel));
    }

    /// <summary>One agent of the pair.</summary>
    public sealed record Agent(
        string Name, WebApplication App, QemuDriver Driver, SuperCloud.Images.ImageCache Images, MigrationOptions Migration, string StateDirectory, string SocketDirectory,
        string Endpoint, V1.NodeAgent.NodeAgentClient Client) : IAsyncDisposable
    {
        public async Task<string> ConsoleAsync() =>
            (await Client.GetConsoleLogAsync(new V1.GetConsoleLogRequest { Id = VmId, MaxBytes = 256 * 1024 }, deadline: Deadline(10))).Text;

        public async Task<bool> HasVmAsync() =>
            (await Client.ListVmsAsync(new V1.ListVmsRequest(), deadline: Deadline(10))).Vms.Any(v => v.Id == VmId);

        public async ValueTask DisposeAsync()
        {
            try
            {
                foreach (var vm in await Driver.ListAsync(CancellationToken.None))
                {
                    await Driver.DeleteAsync(vm.Id, CancellationToken.None);
                }
            }
            finally
            {
                await QemuLeftovers.KillAllAsync(StateDirectory);
            }

            await App.StopAsync();
            await App.DisposeAsync();
            Images.Dispose();
            Directory.Delete(StateDirectory, recursive: true);
            Directory.Delete(SocketDirectory, recursive: true);
        }
    }
}
