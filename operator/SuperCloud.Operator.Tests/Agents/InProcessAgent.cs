extern alias nodeagent;

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using nodeagent::SuperCloud.NodeAgent;
using nodeagent::SuperCloud.NodeAgent.Hypervisor;
using nodeagent::SuperCloud.NodeAgent.Hypervisor.Qemu;
using nodeagent::SuperCloud.NodeAgent.Security;
using SuperCloud.Operator.Agents;

namespace SuperCloud.Operator.Tests.Agents;

/// <summary>A real node agent (real QEMU driver, mutual TLS) on loopback, with a cluster CA and the operator's client certificate.</summary>
internal sealed class InProcessAgent : IAsyncDisposable
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(1);
    private WebApplication _app = null!;

    private readonly bool _ownsCa;

    private InProcessAgent(ClusterCertificateAuthority ca, string stateDirectory, bool ownsCa)
    {
        Ca = ca;
        StateDirectory = stateDirectory;
        _ownsCa = ownsCa;
    }

    public ClusterCertificateAuthority Ca { get; }

    public string StateDirectory { get; }

    /// <summary>host:port as a SuperNode's spec.agentEndpoint; an IP the server certificate does not name.</summary>
    public string Endpoint { get; private set; } = "";

    public IHypervisorDriver Driver => _app.Services.GetRequiredService<IHypervisorDriver>();

    /// <summary>The agent's migration settings (tests may change them between migrations, e.g. to inject a fault).</summary>
    public nodeagent::SuperCloud.NodeAgent.Migration.MigrationOptions Migration { get; private set; } = null!;

    /// <summary>
    /// Starts an agent whose server certificate names only "shared-agents" (agents share one certificate), issued by
    /// <paramref name="serverCa"/> (the cluster CA when null).
    /// </summary>
    public static async Task<InProcessAgent> StartAsync(ClusterCertificateAuthority? serverCa = null) => await StartAsync(null, "agent-1", serverCa);

    /// <summary>
    /// Starts agent <paramref name="nodeName"/> of the cluster CA <paramref name="sharedCa"/> (a new CA when null), whose
    /// certificate names the node, as peer agents of one cluster need for migrations; <paramref name="migration"/> tunes them.
    /// </summary>
    public static async Task<InProcessAgent> StartAsync(
        ClusterCertificateAuthority? sharedCa, string nodeName, ClusterCertificateAuthority? serverCa = null,
        nodeagent::SuperCloud.NodeAgent.Migration.MigrationOptions? migration = null)
    {
        var ca = sharedCa ?? ClusterCertificateAuthority.Create("test-cluster-ca", Validity, TimeProvider.System);
        var state = Path.Combine("/tmp", $"scop-{Guid.NewGuid():N}"[..13]);
        Directory.CreateDirectory(state);
        var agent = new InProcessAgent(ca, state, ownsCa: sharedCa is null);
        var serverCertificate = sharedCa is null
            ? (serverCa ?? ca).IssueServerCertificate("shared-agents", ["shared-agents"], [], Validity)
            : ca.IssueServerCertificate(nodeName, [nodeName], [IPAddress.Loopback], Validity);
        var driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = state }, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        var options = new NodeAgentOptions { NodeName = nodeName, ListenAddress = "127.0.0.1", Port = 0, ReservedMemoryMib = 128 };
        migration ??= new nodeagent::SuperCloud.NodeAgent.Migration.MigrationOptions();
        migration.SocketDirectory = Path.Combine(state, "sockets");
        agent.Migration = migration;
        agent._app = AgentServer.Build(options, ca.Certificate, serverCertificate, driver, TimeProvider.System, b => b.Logging.ClearProviders(), migration);
        await agent._app.StartAsync();
        var address = AgentServer.ListeningAddress(agent._app);
        agent.Endpoint = $"{IPAddress.Loopback}:{address.Port}";
        return agent;
    }

    /// <summary>The operator's side: the cluster CA and a client certificate with <paramref name="identity"/>.</summary>
    public AgentClientOptions ClientOptions(string identity = NodeAgentOptions.DefaultOperatorIdentity) => new()
    {
        ClusterCa = X509CertificateLoader.LoadCertificate(Ca.Certificate.RawData),
        ClientCertificate = Ca.IssueClientCertificate(identity, Validity),
        CallTimeout = TimeSpan.FromSeconds(10),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

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
        }
    }
}
