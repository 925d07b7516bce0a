extern alias nodeagent;

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using nodeagent::SuperCloud.NodeAgent;
using nodeagent::SuperCloud.NodeAgent.Hypervisor;
using nodeagent::SuperCloud.NodeAgent.Hypervisor.Qemu;
using nodeagent::SuperCloud.NodeAgent.Security;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Operator.Agents;

namespace SuperCloud.Operator.Tests.Agents;

/// <summary>A real node agent (real QEMU driver, mutual TLS with its own node identity) on loopback, with the operator's client credentials.</summary>
internal sealed class InProcessAgent : IAsyncDisposable
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(1);
    private readonly bool _ownsCa;
    private WebApplication _app = null!;
    private SuperCloud.Images.ImageCache _images = null!;

    private InProcessAgent(CertificateAuthority ca, string name, string stateDirectory, bool ownsCa)
    {
        Ca = ca;
        Name = name;
        StateDirectory = stateDirectory;
        _ownsCa = ownsCa;
    }

    public CertificateAuthority Ca { get; }

    /// <summary>The node name its certificates carry.</summary>
    public string Name { get; }

    public string StateDirectory { get; }

    /// <summary>host:port as a SuperNode's spec.agentEndpoint.</summary>
    public string Endpoint { get; private set; } = "";

    public IHypervisorDriver Driver => _app.Services.GetRequiredService<IHypervisorDriver>();

    /// <summary>The agent's migration settings (tests may change them between migrations, e.g. to inject a fault).</summary>
    public nodeagent::SuperCloud.NodeAgent.Migration.MigrationOptions Migration { get; private set; } = null!;

    /// <summary>
    /// Starts the agent of node <paramref name="nodeName"/> whose certificates come from <paramref name="sharedCa"/> (a new CA
    /// when null) — or, to impersonate, from <paramref name="serverCa"/> and for node <paramref name="certificateNode"/>.
    /// </summary>
    public static async Task<InProcessAgent> StartAsync(
        CertificateAuthority? sharedCa = null, string nodeName = "agent-1", CertificateAuthority? serverCa = null,
        nodeagent::SuperCloud.NodeAgent.Migration.MigrationOptions? migration = null, string? certificateNode = null)
    {
        var ca = sharedCa ?? CertificateAuthority.Create("test-cluster-ca", Validity, TimeProvider.System);
        var state = Path.Combine("/tmp", $"scop-{Guid.NewGuid():N}"[..13]);
        Directory.CreateDirectory(state);
        var agent = new InProcessAgent(ca, nodeName, state, ownsCa: sharedCa is null);
        var issuer = serverCa ?? ca;
        var identity = certificateNode ?? nodeName;
        using var server = issuer.IssueServer(identity, [identity], [IPAddress.Loopback], Validity);
        using var client = issuer.IssueClient(PeerIdentity.Node(identity), Validity);
        var credentials = new AgentCredentials(TlsCredentials.FromCertificates(server, ca.Certificate), TlsCredentials.FromCertificates(client, ca.Certificate));
        // The agent pulls from the run's shared test registry (when docker-registry is installed), like a host from its cloud's.
        var imageOptions = new SuperCloud.Images.ImageCacheOptions
        {
            Directory = state + "-images",
            Registry = SuperCloud.Lab.Registry.RegistryServer.Missing is null ? TestGuest.RegistryOptions : new SuperCloud.Images.RegistryOptions(),
        };
        agent._images = new SuperCloud.Images.ImageCache(imageOptions, new SuperCloud.Images.RegistryClient(imageOptions.Registry, TimeProvider.System), TimeProvider.System, NullLogger<SuperCloud.Images.ImageCache>.Instance);
        var driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = state }, agent._images, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        var options = new NodeAgentOptions { NodeName = nodeName, ListenAddress = "127.0.0.1", Port = 0, ReservedMemoryMib = 128 };
        migration ??= new nodeagent::SuperCloud.NodeAgent.Migration.MigrationOptions();
        migration.SocketDirectory = Path.Combine(state, "sockets");
        agent.Migration = migration;
        agent._app = AgentServer.Build(options, credentials, driver, agent._images, TimeProvider.System, b => b.Logging.ClearProviders(), migration);
        await agent._app.StartAsync();
        var address = AgentServer.ListeningAddress(agent._app);
        agent.Endpoint = $"{IPAddress.Loopback}:{address.Port}";
        return agent;
    }

    /// <summary>The operator's side: the cluster CA and a client certificate with <paramref name="identity"/> (the operator's by default).</summary>
    public AgentClientOptions ClientOptions(PeerIdentity? identity = null)
    {
        using var client = Ca.IssueClient(identity ?? PeerIdentity.Operator, Validity);
        return new AgentClientOptions
        {
            Credentials = TlsCredentials.FromCertificates(client, Ca.Certificate),
            CallTimeout = TimeSpan.FromSeconds(10),
            ConnectTimeout = TimeSpan.FromSeconds(2),
        };
    }

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
            await _app.StopAsync();
            await _app.DisposeAsync();
            if (_ownsCa)
            {
                Ca.Dispose();
            }

            Directory.Delete(StateDirectory, recursive: true);
            _images.Dispose();
            Directory.Delete(StateDirectory + "-images", recursive: true);
        }
    }
}
