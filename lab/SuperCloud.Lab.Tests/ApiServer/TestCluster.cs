using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using SuperCloud.Lab.ApiServer;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>A lab API server on an ephemeral port with a kubeconfig and an official C# client, for one test.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    public const string WidgetGroup = "lab.supercloud.dev";
    public const string WidgetVersion = "v1";
    public const string WidgetPlural = "widgets";

    private TestCluster(LabApiServer server, string directory, Kubernetes client)
    {
        Server = server;
        Directory = directory;
        Client = client;
    }

    public LabApiServer Server { get; }

    /// <summary>A private temp directory (kubeconfig, kubectl cache), removed on dispose.</summary>
    public string Directory { get; }

    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");

    public Kubernetes Client { get; }

    public static async Task<TestCluster> StartAsync(LabApiServerOptions? options = null, bool withWidgets = true)
    {
        var directory = Path.Combine(Path.GetTempPath(), "lab-apiserver-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = await LabApiServer.StartAsync(options ?? new LabApiServerOptions(), CancellationToken.None);
        server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Path.Combine(directory, "kubeconfig"));
        var cluster = new TestCluster(server, directory, new Kubernetes(config));
        if (withWidgets)
        {
            await cluster.CreateWidgetCrdAsync();
        }

        return cluster;
    }

    public async Task CreateWidgetCrdAsync()
    {
        var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(RepoPaths.TestData("widgets-crd.yaml")));
        await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
    }

    public static JsonObject Widget(string name, int size, string? ns = "default", JsonObject? metadata = null)
    {
        var meta = metadata ?? [];
        meta["name"] = name;
        if (ns is not null)
        {
            meta["namespace"] = ns;
        }

        return new JsonObject
        {
            ["apiVersion"] = $"{WidgetGroup}/{WidgetVersion}",
            ["kind"] = "Widget",
            ["metadata"] = meta,
            ["spec"] = new JsonObject { ["size"] = size },
        };
    }

    public async Task<JsonObject> CreateWidgetAsync(JsonObject widget, string ns = "default", string? dryRun = null) =>
        ToNode(await Client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, WidgetGroup, WidgetVersion, ns, WidgetPlural, dryRun: dryRun));

    public async Task<JsonObject> GetWidgetAsync(string name, string ns = "default") =>
        ToNode(await Client.CustomObjects.GetNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, ns, WidgetPlural, name));

    public async Task<JsonObject> ReplaceWidgetAsync(JsonObject widget, string ns = "default") =>
        ToNode(await Client.CustomObjects.ReplaceNamespacedCustomObjectAsync(widget, WidgetGroup, WidgetVersion, ns, WidgetPlural, Json(widget, "metadata", "name")));

    public async Task<JsonObject> ReplaceWidgetStatusAsync(JsonObject widget, string ns = "default") =>
        ToNode(await Client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync(widget, WidgetGroup, WidgetVersion, ns, WidgetPlural, Json(widget, "metadata", "name")));

    public async Task<bool> WidgetExistsAsync(string name, string ns = "default")
    {
        try
        {
            await GetWidgetAsync(name, ns);
            return true;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    public static JsonObject ToNode(object value) =>
        JsonNode.Parse(value is JsonElement e ? e.GetRawText() : JsonSerializer.Serialize(value))!.AsObject();

    public static string Json(JsonObject obj, params string[] path)
    {
        JsonNode? node = obj;
        foreach (var p in path)
        {
            node = node?[p];
        }

        return node?.ToString() ?? "";
    }

    /// <summary>Polls <paramref name="condition"/> until it holds or the deadline passes (never a fixed sleep).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for: {what}");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A kubectl child may still hold its cache open; the temp directory is harmless.
        }
    }
}
