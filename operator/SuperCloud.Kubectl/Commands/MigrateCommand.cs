using System.Security.Cryptography;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Kubectl.Output;

namespace SuperCloud.Kubectl.Commands;

/// <summary><c>migrate NAME [--to ...] [--wait]</c>: creates a SuperPodMigration and, with --wait, follows it to its end.</summary>
internal static class MigrateCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static async Task<int> RunAsync(SuperCloudClient api, Invocation invocation, string ns, TextWriter output, bool interactive, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(output);
        var name = invocation.Name!;
        var pod = await api.GetSuperPodAsync(ns, name, cancellationToken);
        if (pod.Status?.Migration is { } running)
        {
            throw new CommandFailedException(
                $"SuperPod {ns}/{name} is already migrating (SuperPodMigration {running.Name}, {running.Phase}); `kubectl supercloud cancel {name}` cancels it");
        }

        var target = invocation.To is null
            ? null
            : Target(invocation.To, await api.ListSuperNodesAsync(cancellationToken), await api.ListSuperClustersAsync(cancellationToken));
        var migration = await api.CreateMigrationAsync(new SuperPodMigration
        {
            Metadata = new V1ObjectMeta { Name = MigrationName(name), NamespaceProperty = ns },
            Spec = new SuperPodMigrationSpec { SuperPod = name, Target = target, Reason = MigrationReason.Manual },
        }, cancellationToken);
        await output.WriteLineAsync($"superpodmigration.supercloud.dev/{migration.Metadata.Name} created: SuperPod {ns}/{name} from {pod.Status?.Node ?? "-"} to {Describe(target)}");
        if (!invocation.Wait)
        {
            return 0;
        }

        var deadline = time.GetUtcNow() + invocation.Timeout;
        string? shown = null;
        while (true)
        {
            migration = await api.GetMigrationAsync(ns, migration.Metadata.Name, cancellationToken);
            var line = ProgressBar.Render(migration);
            if (line != shown)
            {
                // On a terminal the bar is redrawn in place; in a log every change is a line of its own.
                await output.WriteAsync(interactive ? "\r\u001b[K" + line : line + "\n");
                shown = line;
            }

            if (ProgressBar.IsFinished(migration))
            {
                if (interactive)
                {
                    await output.WriteLineAsync();
                }

                await output.WriteLineAsync(ProgressBar.Summary(migration));
                return migration.Status!.Phase == MigrationPhase.Succeeded ? 0 : 1;
            }

            if (time.GetUtcNow() >= deadline)
            {
                throw new CommandFailedException(
                    $"migration {migration.Metadata.Name} of SuperPod {ns}/{name} is still {migration.Status?.Phase?.ToString() ?? "Pending"} after --timeout {invocation.Timeout}; it goes on (`kubectl supercloud cancel {name}` cancels it)");
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    /// <summary>
    /// What --to names, in kubectl's order of precision: a SuperNode, then a SuperCluster, then a cloud provider, then a
    /// region of some SuperCluster.
    /// </summary>
    public static MigrationTarget Target(string to, IReadOnlyList<SuperNode> nodes, IReadOnlyList<SuperCluster> clusters)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(clusters);
        if (nodes.Any(n => n.Metadata.Name == to))
        {
            return new MigrationTarget { Node = to };
        }

        if (clusters.Any(c => c.Metadata.Name == to))
        {
            return new MigrationTarget { Cluster = to };
        }

        if (Names.ParseCloud(to) is { } cloud)
        {
            return clusters.Any(c => c.Spec.Provider == cloud)
                ? new MigrationTarget { Cloud = cloud }
                : throw new CommandFailedException($"--to {to}: no SuperCluster is in cloud {to} (clouds: {Known(clusters.Select(c => Names.Cloud(c.Spec.Provider)))})");
        }

        if (clusters.Any(c => c.Spec.Region == to))
        {
            return new MigrationTarget { Region = to };
        }

        throw new CommandFailedException(
            $"--to {to}: no SuperNode, SuperCluster, cloud or region is called \"{to}\" (clouds: {Known(clusters.Select(c => Names.Cloud(c.Spec.Provider)))}; " +
            $"regions: {Known(clusters.Select(c => c.Spec.Region))}; superclusters: {Known(clusters.Select(c => c.Metadata.Name))})");
    }

    public static string Describe(MigrationTarget? target) => target switch
    {
        null => "where the scheduler chooses",
        { Node: { } node } => $"node {node}",
        { Cluster: { } cluster } => $"SuperCluster {cluster}",
        { Cloud: { } cloud } => $"cloud {Names.Cloud(cloud)}",
        { Region: { } region } => $"region {region}",
        _ => "where the scheduler chooses",
    };

    // Unique without a round trip: the SuperPod's name and a random suffix, as generateName would make it.
    private static string MigrationName(string pod)
    {
        const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var suffix = string.Concat(Enumerable.Range(0, 5).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)]));
        var prefix = pod.Length > 230 ? pod[..230] : pod;
        return $"{prefix}-migration-{suffix}";
    }

    private static string Known(IEnumerable<string> names) => string.Join(", ", names.Distinct().Order(StringComparer.Ordinal)) is { Length: > 0 } list ? list : "none";
}
