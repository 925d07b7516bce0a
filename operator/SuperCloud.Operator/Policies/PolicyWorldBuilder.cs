using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Policies;

/// <summary>
/// Builds the policy engine's <see cref="PolicyWorld"/> from cached objects: SuperClusters priced by status.prices while
/// present (else spec.pricing), SuperNodes with their room and interruption notices, the running SuperPods one policy
/// governs, and the migrations so far. Pure: the caller passes the objects and the instant.
/// </summary>
public static class PolicyWorldBuilder
{
    /// <summary>The engine's view of <paramref name="cluster"/>; prices that do not parse throw <see cref="ArgumentException"/> naming the field.</summary>
    public static PolicyCluster Cluster(SuperCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var name = cluster.Metadata.Name;
        var observed = cluster.Status?.Prices;
        var pricing = cluster.Spec.Pricing;
        UnitPrices? Rates(PriceRates? fromStatus, PriceRates? fromSpec, string kind) =>
            fromStatus is not null ? UnitPrices.Parse(fromStatus, $"SuperCluster {name}: status.prices.{kind}")
            : fromSpec is not null ? UnitPrices.Parse(fromSpec, $"SuperCluster {name}: spec.pricing.{kind}")
            : null;
        var period = pricing?.BillingPeriod is { Length: > 0 } text ? Crds.GoDuration.Parse(text, $"SuperCluster {name}: spec.pricing.billingPeriod") : TimeSpan.FromHours(1);
        return new PolicyCluster(
            name, cluster.Spec.Provider, cluster.Spec.Region,
            Rates(observed?.Spot, pricing?.Spot, "spot"), Rates(observed?.OnDemand, pricing?.OnDemand, "onDemand"),
            period > TimeSpan.Zero ? period : TimeSpan.FromHours(1),
            (cluster.Spec.Latency ?? []).GroupBy(l => l.Location, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().LatencyMs, StringComparer.Ordinal));
    }

    /// <summary>The engine's view of every node in <paramref name="snapshot"/>, with the interruption notices of <paramref name="nodes"/>.</summary>
    public static IReadOnlyList<PolicyNode> Nodes(ClusterSnapshot snapshot, IEnumerable<SuperNode> nodes)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(nodes);
        var notices = nodes.Where(n => n.Status?.InterruptionNotice?.Time is not null)
            .ToDictionary(n => n.Metadata.Name, n => DateTime.SpecifyKind(n.Status!.InterruptionNotice!.Time!.Value, DateTimeKind.Utc), StringComparer.Ordinal);
        return [.. snapshot.Nodes.Select(n => new PolicyNode(
            n.Name, n.ClusterName, n.Spot,
            Schedulable: n.Ready && !n.Unschedulable && n.Taints.Count == 0 && (n.MaxSuperPods is null || n.SuperPodCount < n.MaxSuperPods),
            n.AllocatableMilliCpu - n.RequestedMilliCpu, n.AllocatableMemory - n.RequestedMemory,
            notices.TryGetValue(n.Name, out var deadline) ? deadline : null))];
    }

    /// <summary>The engine's view of a running SuperPod governed by <paramref name="rules"/>; null when it does not run on a node.</summary>
    public static PolicyPod? Pod(SuperPod pod, PolicyRules rules, IReadOnlyList<PolicyCluster> clusters, bool busy)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(clusters);
        if (pod.Status is not { Phase: SuperPodPhase.Running, Node: { Length: > 0 } node } status || pod.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        var placement = pod.Spec.Placement;
        var allowed = clusters
            .Where(c => (placement?.Clouds is not { Count: > 0 } clouds || clouds.Contains(c.Provider))
                && (placement?.ExcludedClouds is not { Count: > 0 } excluded || !excluded.Contains(c.Provider))
                && (placement?.Regions is not { Count: > 0 } regions || regions.Contains(c.Region))
                && (placement?.Clusters is not { Count: > 0 } names || names.Contains(c.Name)))
            .Select(c => c.Name)
            .ToHashSet(StringComparer.Ordinal);
        return new PolicyPod(
            ObjectKey.From(pod).ToString(),
            Quantities.MilliCpu(pod.Spec.Resources.Cpu, "spec.resources.cpu"),
            Quantities.Bytes(pod.Spec.Resources.Memory, "spec.resources.memory"),
            DiskBytes: 0,
            node,
            BillingAnchor(pod),
            rules,
            placement?.Spot ?? SpotPolicy.Allowed,
            allowed,
            placement?.MaxPricePerHour is { } max ? UnitPrices.ParsePrice(max, "spec.placement.maxPricePerHour") : null,
            [.. (pod.Spec.ClientLocations ?? []).Where(c => !string.IsNullOrEmpty(c.Region))
                .Select(c => new PolicyClient(c.Region!, c.Weight ?? 1, c.ActiveFromHourUtc, c.ActiveToHourUtc))],
            busy || status.Migration is not null);
    }

    /// <summary>When the SuperPod started on its node, which its billing periods count from: its last migration's end, else when it became Ready, else its creation.</summary>
    public static DateTime BillingAnchor(SuperPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var anchor = pod.Status?.LastMigration is { Phase: MigrationPhase.Succeeded, CompletionTime: { } moved } ? moved
            : Conditions.Find(pod.Status?.Conditions, ConditionTypes.Ready) is { Status: "True", LastTransitionTime: { } ready } ? ready
            : pod.Metadata.CreationTimestamp ?? DateTime.UnixEpoch;
        return DateTime.SpecifyKind(anchor, DateTimeKind.Utc);
    }

    /// <summary>A migration as the engine's history: who started it, when, between which clusters, and how fast it went.</summary>
    public static PastMigration Past(SuperPodMigration migration)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var status = migration.Status;
        TimeSpan? total = status?.TotalTime is { Length: > 0 } text && TryDuration(text) is { } parsed ? parsed : null;
        return new PastMigration(
            $"{migration.Metadata.NamespaceProperty}/{migration.Spec.SuperPod}",
            migration.Spec.Reason ?? MigrationReason.Manual,
            migration.Metadata.Labels?.TryGetValue(SuperCloudApi.MigrationPolicyLabel, out var policy) == true ? policy : null,
            DateTime.SpecifyKind(migration.Metadata.CreationTimestamp ?? DateTime.UnixEpoch, DateTimeKind.Utc),
            status?.Source?.Cluster, status?.Target?.Cluster,
            status?.Phase == MigrationPhase.Succeeded ? status.Progress?.BytesSent : null,
            status?.Phase == MigrationPhase.Succeeded ? total : null);
    }

    private static TimeSpan? TryDuration(string text)
    {
        try
        {
            return Crds.GoDuration.Parse(text, "status.totalTime");
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
