using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.NodeAgent.Hypervisor.Qemu;

namespace SuperCloud.NodeAgent.Tests.Api;

/// <summary>A real agent server on loopback with mutual TLS, a real QEMU driver, and certificates for every kind of caller.</summary>
public sealed class AgentServerFixture : IAsyncLifetime
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(1);
    private readonly List<GrpcChannel> _channels = [];
    private WebApplication _app = null!;

    public string StateDirectory { get; } = TestEnvironment.NewTempDir("scapi");

    public CertificateAuthority Ca { get; } = CertificateAuthority.Create("test-cluster-ca", Validity, TimeProvider.System);

    public CertificateAuthority ForeignCa { get; } = CertificateAuthority.Create("test-cluster-ca", Validity, TimeProvider.System);

    public X509Certificate2 OperatorCertificate { get; private set; } = null!;

    public X509Certificate2 PeerAgentCertificate { get; private set; } = null!;

    public X509Certificate2 ForeignOperatorCertificate { get; private set; } = null!;

    /// <summary>A node's server certificate: right CA, wrong usage for a client.</summary>
    public X509Certificate2 OperatorServerCertificate { get; private set; } = null!;

    /// <summary>The client certificate of a node that happens to be called like the operator.</summary>
    public X509Certificate2 OperatorNamedNodeCertificate { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    /// <summary>The agent's image cache.</summary>
    public SuperCloud.Images.ImageCache Images { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        OperatorCertificate = Ca.IssueClient(PeerIdentity.Operator, Validity);
        PeerAgentCertificate = Ca.IssueClient(PeerIdentity.Node("agent-2"), Validity);
        OperatorServerCertificate = Ca.IssueServer("agent-3", ["agent-3"], [], Validity);
        OperatorNamedNodeCertificate = Ca.IssueClient(PeerIdentity.Node("supercloud-operator"), Validity);
        // Same CA name, same operator identity, different key: only the signature tells it apart.
        ForeignOperatorCertificate = ForeignCa.IssueClient(PeerIdentity.Operator, Validity);
        Images = GuestImage.NewCache();
        var driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = StateDirectory }, Images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        var options = new NodeAgentOptions { NodeName = "agent-1", ListenAddress = "127.0.0.1", Port = 0, Cloud = "aws", Region = "eu-west-1", Zone = "eu-west-1a", Spot = true, ReservedMemoryMib = 128 };
        _app = AgentServer.Build(options, TestCredentials.ForNode(Ca, "agent-1"), driver, Images, TimeProvider.System, b => b.Logging.ClearProviders());
        await _app.StartAsync();
        Address = AgentServer.ListeningAddress(_app);
    }

    public async Task DisposeAsync()
    {
        var driver = _app.Services.GetRequiredService<SuperCloud.NodeAgent.Hypervisor.IHypervisorDriver>();
        try
        {
            foreach (var vm in await driver.ListAsync(CancellationToken.None))
            {
                await driver.DeleteAsync(vm.Id, CancellationToken.None);
            }
        }
        finally
        {
            await QemuLeftovers.KillAllAsync(StateDirectory);
        }

        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(StateDirectory, recursive: true);
    }

    /// <summary>A channel that trusts only the cluster CA for the server and presents <paramref name="clientCertificate"/> (or none).</summary>
    public GrpcChannel Channel(X509Certificate2? clientCertificate)
    {
        var channel = GrpcChannel.ForAddress(LocalhostAddress, new GrpcChannelOptions { HttpHandler = Handler(clientCertificate), DisposeHttpClient = true });
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    /// <summary>The server address by the name its certificate carries.</summary>
    public Uri LocalhostAddress => new UriBuilder(Address) { Host = "localhost" }.Uri;

    /// <summary>An HTTP/2 handler with mutual TLS as the operator would configure it.</summary>
    public SocketsHttpHandler Handler(X509Certificate2? clientCertificate) => TestTls.Handler(Ca.Certificate, clientCertificate);
}
