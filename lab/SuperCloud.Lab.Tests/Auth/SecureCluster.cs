using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using SuperCloud.Agent.Contracts.Security;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Auth;

/// <summary>A lab API server with its TLS listener (a CA of its own for serving and client certificates), for authentication and RBAC tests.</summary>
internal sealed class SecureCluster : IAsyncDisposable
{
    private SecureCluster(TestCluster cluster, CertificateAuthority ca)
    {
        Cluster = cluster;
        Ca = ca;
    }

    public TestCluster Cluster { get; }

    public CertificateAuthority Ca { get; }

    /// <summary>The administrator's client over plain HTTP (the lab's insecure port).</summary>
    public Kubernetes Admin => Cluster.Client;

    public LabApiServer Server => Cluster.Server;

    public static async Task<SecureCluster> StartAsync()
    {
        var ca = CertificateAuthority.Create("lab-test-ca", TimeSpan.FromDays(1), TimeProvider.System);
        var serving = ca.IssueServing("lab-apiserver", ["localhost"], [IPAddress.Loopback], TimeSpan.FromDays(1));
        var tls = new LabApiServerTls(serving, ca.Certificate, [ca.Certificate]);
        var cluster = await TestCluster.StartAsync(new LabApiServerOptions { Tls = tls }, withWidgets: false);
        return new SecureCluster(cluster, ca);
    }

    /// <summary>Writes a kubeconfig for the TLS listener with a token or a client certificate; returns its path.</summary>
    public string Kubeconfig(string name, string? token = null, X509Certificate2? client = null)
    {
        var path = Path.Combine(Cluster.Directory, name + ".kubeconfig");
        File.WriteAllText(path, Server.KubeconfigFor(Server.SecureBaseAddress!, token, client));
        return path;
    }

    /// <summary>A C# client for a kubeconfig written by <see cref="Kubeconfig"/>.</summary>
    public static Kubernetes Client(string kubeconfig) => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));

    /// <summary>Creates a ServiceAccount and returns a token for it from the TokenRequest API, bound to <paramref name="boundTo"/> when given.</summary>
    public async Task<string> TokenAsync(string ns, string account, V1BoundObjectReference? boundTo = null, long seconds = 3600)
    {
        try
        {
            await Admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = account } }, ns);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Already there.
        }

        var response = await Admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(
            new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = seconds, BoundObjectRef = boundTo } }, account, ns);
        return response.Status.Token;
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Ca.Dispose();
    }
}
