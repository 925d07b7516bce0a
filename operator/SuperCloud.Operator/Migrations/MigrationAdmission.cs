using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// The concurrency limits of migrations, as KubeVirt's migration limiter: at most
/// <see cref="MigrationControllerOptions.MaxParallelMigrations"/> hold a slot in the cluster and
/// <see cref="MigrationControllerOptions.MaxOutboundPerNode"/> leave one node. A migration holds a slot from Scheduling
/// to Switching; slots taken here but not yet visible in the cache are remembered, so two workers never both take the
/// last one.
/// </summary>
public sealed class MigrationAdmission(Informer<SuperPodMigration> migrations, MigrationControllerOptions options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _admitted = new(StringComparer.Ordinal);

    /// <summary>True for the phases that hold a slot: Scheduling to Switching.</summary>
    public static bool IsActive(MigrationPhase? phase) =>
        phase is MigrationPhase.Scheduling or MigrationPhase.PreparingTarget or MigrationPhase.Transferring or MigrationPhase.Switching;

    /// <summary>Why <paramref name="migration"/>, leaving <paramref name="sourceNode"/>, would have to wait for a slot; null when one is free.</summary>
    public string? Check(SuperPodMigration migration, string sourceNode)
    {
        ArgumentNullException.ThrowIfNull(migration);
        lock (_lock)
        {
            return Refusal(Uid(migration), sourceNode);
        }
    }

    /// <summary>Takes a slot for <paramref name="migration"/>; returns why not when none is free.</summary>
    public string? TryAdmit(SuperPodMigration migration, string sourceNode)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var uid = Uid(migration);
        lock (_lock)
        {
            if (Refusal(uid, sourceNode) is { } full)
            {
                return full;
            }

            _admitted[uid] = sourceNode;
            return null;
        }
    }

    /// <summary>
    /// Drops the slots the cache now accounts for (or that ended): those of finished or deleted migrations and those the
    /// cache shows active. The migration behind <paramref name="key"/> is dropped unless the cache shows it still waiting.
    /// </summary>
    public void Forget(ObjectKey key)
    {
        lock (_lock)
        {
            var live = migrations.Cache.List().ToDictionary(Uid, m => m, StringComparer.Ordinal);
            foreach (var uid in _admitted.Keys.ToList())
            {
                if (!live.TryGetValue(uid, out var m) || SuperPodMigrationReconciler.IsFinished(m.Status?.Phase) || IsActive(m.Status?.Phase)
                    || (m.Metadata.NamespaceProperty == key.Namespace && m.Metadata.Name == key.Name))
                {
                    _admitted.Remove(uid);
                }
            }
        }
    }

    // The caller holds the lock.
    private string? Refusal(string uid, string sourceNode)
    {
        if (_admitted.ContainsKey(uid))
        {
            return null;
        }

        var active = migrations.Cache.List()
            .Where(m => IsActive(m.Status?.Phase) && Uid(m) != uid)
            .Select(m => (Uid: Uid(m), Node: m.Status!.Source?.Node ?? ""))
            .ToDictionary(m => m.Uid, m => m.Node, StringComparer.Ordinal);
        foreach (var (admittedUid, node) in _admitted)
        {
            active.TryAdd(admittedUid, node);
        }

        if (active.Count >= options.MaxParallelMigrations)
        {
            return $"{active.Count} migrations are running, the cluster-wide limit is {options.MaxParallelMigrations}; waiting for a slot";
        }

        var outbound = active.Values.Count(n => n == sourceNode);
        return outbound >= options.MaxOutboundPerNode
            ? $"{outbound} migrations are leaving {sourceNode}, the per-node limit is {options.MaxOutboundPerNode}; waiting for a slot"
            : null;
    }

    private static string Uid(SuperPodMigration m) => m.Metadata.Uid ?? m.Metadata.Name;
}
