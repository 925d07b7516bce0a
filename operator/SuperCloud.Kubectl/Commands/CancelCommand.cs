using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Kubectl.Commands;

/// <summary><c>cancel NAME</c>: deletes the SuperPod's migration in flight, which cancels it before the switch-over.</summary>
internal static class CancelCommand
{
    public static async Task<int> RunAsync(SuperCloudClient api, string ns, string name, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(output);
        var pod = await api.GetSuperPodAsync(ns, name, cancellationToken);
        var migration = pod.Status?.Migration?.Name
            ?? (await api.ListMigrationsAsync(ns, cancellationToken))
                .Where(m => m.Spec.SuperPod == name && m.Status?.Phase is not (MigrationPhase.Succeeded or MigrationPhase.Failed or MigrationPhase.Cancelled))
                .Select(m => m.Metadata.Name).FirstOrDefault()
            ?? throw new CommandFailedException($"SuperPod {ns}/{name} has no migration in flight");
        await api.DeleteMigrationAsync(ns, migration, cancellationToken);
        await output.WriteLineAsync($"superpodmigration.supercloud.dev/{migration} deleted: the migration of SuperPod {ns}/{name} is cancelled unless it has already switched over");
        return 0;
    }
}
