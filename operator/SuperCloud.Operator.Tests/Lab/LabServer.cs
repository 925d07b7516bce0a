using k8s;
using k8s.Models;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Operator.Tests.Lab;

/// <summary>A real in-process lab API server for one test, with a client and a fresh namespace.</summary>
internal sealed class LabServer : IAsyncDisposable
{
    private LabServer(LabApiServer server, Kubernetes client, string ns)
    {
        Server = server;
        Client = client;
        Namespace = ns;
    }

    public LabApiServer Server { get; }

    public Kubernetes Client { get; }

    public string Namespace { get; }

    public FaultInjector Faults => Server.Faults;

    public static async Task<LabServer> StartAsync()
    {
        var server = await LabApiServer.StartAsync(
            new LabApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) }, CancellationToken.None);
        var client = NewClient(server);
        var ns = "test-" + Guid.NewGuid().ToString("N")[..8];
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return new LabServer(server, client, ns);
    }

    public static Kubernetes NewClient(LabApiServer server) =>
        new(new KubernetesClientConfiguration { Host = server.BaseAddress.GetLeftPart(UriPartial.Authority), AccessToken = LabApiServer.ContextName });

    public Task<V1ConfigMap> CreateConfigMapAsync(string name, Dictionary<string, string>? labels = null, string value = "1") =>
        Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = labels },
                Data = new Dictionary<string, string> { ["value"] = value },
            },
            Namespace);

    public Task<V1ConfigMap> UpdateConfigMapAsync(string name, string value) =>
        Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch($"{{\"data\":{{\"value\":\"{value}\"}}}}", V1Patch.PatchType.MergePatch), name, Namespace);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
