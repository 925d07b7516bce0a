using SuperCloud.Kubectl.Output;

namespace SuperCloud.Kubectl.Commands;

/// <summary><c>cost [-A]</c>.</summary>
internal static class CostCommand
{
    public static async Task<int> RunAsync(SuperCloudClient api, string? ns, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(output);
        var pods = await api.ListSuperPodsAsync(ns, cancellationToken);
        var clusters = await api.ListSuperClustersAsync(cancellationToken);
        await output.WriteAsync(CostTable.Render(pods, clusters, showNamespace: ns is null));
        return 0;
    }
}
