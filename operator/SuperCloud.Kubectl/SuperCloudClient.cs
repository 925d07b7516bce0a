using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Kubectl;

/// <summary>The SuperCloud objects the plugin reads and writes, through the user's connection; errors name the object.</summary>
/// <param name="connection">The user's connection.</param>
internal sealed class SuperCloudClient(KubeConnection connection)
{
    private const string Group = SuperCloudApi.Group;
    private const string Version = SuperCloudApi.Version;

    public async Task<SuperPod> GetSuperPodAsync(string ns, string name, CancellationToken cancellationToken) =>
        await Call($"superpods.{Group} \"{name}\" in namespace \"{ns}\"",
            async () => Convert<SuperPod>(await connection.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, "superpods", name, cancellationToken)));

    public async Task<IReadOnlyList<SuperPod>> ListSuperPodsAsync(string? ns, CancellationToken cancellationToken) =>
        await Call($"superpods.{Group}", async () => Items<SuperPod>(ns is null
            ? await connection.Client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, "superpods", cancellationToken: cancellationToken)
            : await connection.Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, ns, "superpods", cancellationToken: cancellationToken)));

    public async Task<IReadOnlyList<SuperCluster>> ListSuperClustersAsync(CancellationToken cancellationToken) =>
        await Call($"superclusters.{Group}", async () => Items<SuperCluster>(
            await connection.Client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, "superclusters", cancellationToken: cancellationToken)));

    public async Task<IReadOnlyList<SuperNode>> ListSuperNodesAsync(CancellationToken cancellationToken) =>
        await Call($"supernodes.{Group}", async () => Items<SuperNode>(
            await connection.Client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, "supernodes", cancellationToken: cancellationToken)));

    public async Task<IReadOnlyList<SuperPodMigration>> ListMigrationsAsync(string ns, CancellationToken cancellationToken) =>
        await Call($"superpodmigrations.{Group} in namespace \"{ns}\"", async () => Items<SuperPodMigration>(
            await connection.Client.CustomObjects.ListNamespacedCustomObjectAsync(Group, Version, ns, "superpodmigrations", cancellationToken: cancellationToken)));

    public async Task<SuperPodMigration> GetMigrationAsync(string ns, string name, CancellationToken cancellationToken) =>
        await Call($"superpodmigrations.{Group} \"{name}\" in namespace \"{ns}\"",
            async () => Convert<SuperPodMigration>(await connection.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, "superpodmigrations", name, cancellationToken)));

    public async Task<SuperPodMigration> CreateMigrationAsync(SuperPodMigration migration, CancellationToken cancellationToken) =>
        await Call($"superpodmigrations.{Group} \"{migration.Metadata.Name}\" in namespace \"{migration.Metadata.NamespaceProperty}\"",
            async () => Convert<SuperPodMigration>(await connection.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
                migration, Group, Version, migration.Metadata.NamespaceProperty, "superpodmigrations", cancellationToken: cancellationToken)));

    public async Task DeleteMigrationAsync(string ns, string name, CancellationToken cancellationToken) =>
        await Call($"superpodmigrations.{Group} \"{name}\" in namespace \"{ns}\"",
            async () => await connection.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, "superpodmigrations", name, cancellationToken: cancellationToken));

    public async Task SetRunStrategyAsync(string ns, string name, RunStrategy strategy, CancellationToken cancellationToken)
    {
        var body = new System.Text.Json.Nodes.JsonObject { ["spec"] = new System.Text.Json.Nodes.JsonObject { ["runStrategy"] = strategy.ToString() } };
        var patch = new V1Patch(body.ToJsonString(), V1Patch.PatchType.MergePatch);
        await Call($"superpods.{Group} \"{name}\" in namespace \"{ns}\"",
            async () => await connection.Client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group, Version, ns, "superpods", name, cancellationToken: cancellationToken));
    }

    /// <summary>PUTs a subresource of the aggregated API (pause, unpause); a refusal becomes the API's own message.</summary>
    public async Task PutSubresourceAsync(string ns, string name, string subresource, CancellationToken cancellationToken)
    {
        using var response = await connection.SendAsync(HttpMethod.Put, SubresourcePath(ns, name, subresource), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new CommandFailedException(await ErrorMessageAsync(response, $"superpods/{subresource} of {ns}/{name}", cancellationToken));
        }
    }

    /// <summary>The path of a SuperPod's subresource in <c>subresources.supercloud.dev</c>.</summary>
    public static string SubresourcePath(string ns, string name, string subresource) =>
        $"/apis/subresources.supercloud.dev/v1alpha1/namespaces/{Uri.EscapeDataString(ns)}/superpods/{Uri.EscapeDataString(name)}/{subresource}";

    /// <summary>The message of a kube Status body, else the HTTP status.</summary>
    public static async Task<string> ErrorMessageAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return StatusMessage(body) ?? $"{what}: the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
    }

    /// <summary>The <c>message</c> of a kube Status JSON, or null.</summary>
    public static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text ? text : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static T Convert<T>(object json) => KubernetesJson.Deserialize<T>(JsonSerializer.Serialize(json));

    private static List<T> Items<T>(object list)
    {
        using var document = JsonDocument.Parse(JsonSerializer.Serialize(list));
        return document.RootElement.TryGetProperty("items", out var items)
            ? [.. items.EnumerateArray().Select(i => KubernetesJson.Deserialize<T>(i.GetRawText()))]
            : [];
    }

    // Kube's answers become one line naming the object: "not found", "forbidden: ...", or the Status message.
    private static async Task<T> Call<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException e)
        {
            var message = StatusMessage(e.Response?.Content);
            throw new CommandFailedException(e.Response?.StatusCode switch
            {
                HttpStatusCode.NotFound => message ?? $"{what} not found",
                _ => message ?? $"{what}: {(int?)e.Response?.StatusCode} {e.Message}",
            });
        }
        catch (HttpRequestException e)
        {
            throw new CommandFailedException($"{what}: cannot reach the API server: {e.Message}");
        }
    }
}
