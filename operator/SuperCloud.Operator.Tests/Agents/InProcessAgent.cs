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

    private InProcessAgent(ClusterCertificateAuthority ca, string stateDirectory)
    {
        Ca = ca;
        StateDirectory = stateDirectory;
    }

    public ClusterCertificateAuthority Ca { get; }

    public string StateDirectory { get; }

    /// <summary>host:port as a SuperNode's spec.agentEndpoint; an IP the server certificate does not name.</summary>
    public string Endpoint { get; private set; } = "";

    public IHypervisorDriver Driver => _app.Services.GetRequiredService<IHypervisorDriver>();

    /// <summary>
    /// Starts an agent whose server certificate names only "shared-agents" (agents share one certificate), issued by
    /// <paramref name="serverCa"/> (the cluster CA when null).
    /// </summary>
    public static async Task<InProcessAgent> StartAsync(ClusterCertificateAuthority? serverCa = null)
    {
        var ca = ClusterCertificateAuthority.Create("test-cluster-ca", Validity, TimeProvider.System);
        var state = Path.Combine("/tmp", $"scop-{Guid.NewGuid():N}"[..13]);
        Directory.CreateDirectory(state);
        var agent = new InProcessAgent(ca, state);
        var serverCertificate = (serverCa ?? ca).IssueServerCertificate("shared-agents", ["shared-agents"], [], Validity);
        var driver = await QemuDriver.OpenAsync(new QemuDriverOptions { StateDirectory = state }, TimeProvider.System, NullLogger<QemuDriver>.Instance, CancellationToken.None);
        var options = new NodeAgentOptions { NodeName = "agent-1", ListenAddress = "127.0.0.1", Port = 0, ReservedMemoryMib = 128 };
        agent._app = AgentServer.Build(options, ca.Certificate, serverCertificate, driver, TimeProvider.System, b => b.Logging.ClearProviders());
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
            Ca.Dispose();
            Directory.Delete(StateDirectory, recursive: true);
        }
    }
}
