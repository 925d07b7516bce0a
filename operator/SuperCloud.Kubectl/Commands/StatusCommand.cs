using SuperCloud.Kubectl.Output;

namespace SuperCloud.Kubectl.Commands;

/// <summary><c>status NAME</c>.</summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(SuperCloudClient api, string ns, string name, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(output);
        var pod = await api.GetSuperPodAsync(ns, name, cancellationToken);
        var current = pod.Status?.Migration?.Name is { } migration ? await TryGetAsync(api, ns, migration, cancellationToken) : null;
        await output.WriteAsync(StatusView.Render(pod, current));
        return 0;
    }

    // The migration may be gone between the two reads; the SuperPod's own summary is then enough.
    private static async Task<Crds.V1Alpha1.SuperPodMigration?> TryGetAsync(SuperCloudClient api, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await api.GetMigrationAsync(ns, name, cancellationToken);
        }
        catch (CommandFailedException)
        {
            return null;
        }
    }
}
