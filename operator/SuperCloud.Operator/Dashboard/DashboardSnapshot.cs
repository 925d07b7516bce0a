using System.Globalization;
using System.Text.Json.Nodes;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Dashboard;

/// <summary>
/// What the dashboard shows, built from the informer caches: clouds with their clusters and hosts, every SuperPod and
/// where it runs, migrations in flight with their progress, the cost history per cloud, and the clusters' client RTTs.
/// </summary>
public sealed class DashboardSnapshot(
    Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters, Informer<SuperPodMigration> migrations, CostHistory history)
{
    private static readonly MigrationPhase[] Finished = [MigrationPhase.Succeeded, MigrationPhase.Failed, MigrationPhase.Cancelled];

    /// <summary>The snapshot as JSON, at <paramref name="now"/>.</summary>
    public JsonObject Build(DateTimeOffset now)
    {
        var clusterList = clusters.Cache.List().OrderBy(c => c.Metadata.Name, StringComparer.Ordinal).ToList();
        var nodeList = nodes.Cache.List().OrderBy(n => n.Metadata.Name, StringComparer.Ordinal).ToList();
        var podList = pods.Cache.List().OrderBy(p => p.Metadata.NamespaceProperty, StringComparer.Ordinal).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).ToList();
        var clouds = new JsonArray();
        foreach (var cloud in clusterList.GroupBy(c => c.Spec.Provider).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
        {
            clouds.Add(new JsonObject
            {
                ["provider"] = cloud.Key.ToString(),
                ["clusters"] = new JsonArray([.. cloud.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Metadata.Name,
                    ["region"] = c.Spec.Region,
                    ["readyNodes"] = c.Status?.ReadyNodes,
                    ["nodes"] = c.Status?.Nodes,
                    ["ratePerHour"] = c.Status?.Cost?.RatePerHour,
                    ["accumulated"] = c.Status?.Cost?.Accumulated,
                    ["onDemandAccumulated"] = c.Status?.Cost?.OnDemandAccumulated,
                    ["currency"] = c.Status?.Cost?.Currency ?? c.Spec.Pricing?.Currency ?? "USD",
                    ["hosts"] = new JsonArray([.. nodeList.Where(n => n.Spec.Cluster == c.Metadata.Name).Select(n => (JsonNode)new JsonObject
                    {
                        ["name"] = n.Metadata.Name,
                        ["phase"] = n.Status?.Phase?.ToString(),
                        ["spot"] = n.Spec.Spot == true,
                        ["unschedulable"] = n.Spec.Unschedulable == true,
                        ["interruption"] = n.Status?.InterruptionNotice is not null,
                        ["superPods"] = new JsonArray([.. podList.Where(p => p.Status?.Node == n.Metadata.Name).Select(p => (JsonNode)JsonValue.Create($"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}"))]),
                    })]),
                })]),
            });
        }

        var inFlight = migrations.Cache.List()
            .Where(m => m.Status?.Phase is not { } phase || !Finished.Contains(phase))
            .OrderBy(m => m.Metadata.CreationTimestamp)
            .Select(m => (JsonNode)Migration(m))
            .ToList();
        var recent = migrations.Cache.List()
            .Where(m => m.Status?.Phase is { } phase && Finished.Contains(phase))
            .OrderByDescending(m => m.Status?.CompletionTime)
            .Take(10)
            .Select(m => (JsonNode)Migration(m))
            .ToList();
        return new JsonObject
        {
            ["time"] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["clouds"] = clouds,
            ["superPods"] = new JsonArray([.. podList.Select(p => (JsonNode)new JsonObject
            {
                ["namespace"] = p.Metadata.NamespaceProperty,
                ["name"] = p.Metadata.Name,
                ["phase"] = p.Status?.Phase?.ToString(),
                ["node"] = p.Status?.Node,
                ["cluster"] = p.Status?.Cluster,
                ["cloud"] = p.Status?.Cloud?.ToString(),
                ["region"] = p.Status?.Region,
                ["ip"] = p.Status?.Ip,
                ["cpu"] = p.Spec.Resources.Cpu?.ToString(),
                ["memory"] = p.Spec.Resources.Memory?.ToString(),
                ["capacity"] = p.Status?.Cost?.Capacity?.ToString(),
                ["ratePerHour"] = p.Status?.Cost?.RatePerHour,
                ["accumulated"] = p.Status?.Cost?.Accumulated,
                ["onDemandAccumulated"] = p.Status?.Cost?.OnDemandAccumulated,
                ["currency"] = p.Status?.Cost?.Currency,
                ["migration"] = p.Status?.Migration?.Name,
                ["clientRegions"] = new JsonArray([.. (p.Spec.ClientLocations ?? []).Where(l => l.Region is not null).Select(l => (JsonNode)JsonValue.Create(l.Region!))]),
            })]),
            ["migrations"] = new JsonArray([.. inFlight]),
            ["recentMigrations"] = new JsonArray([.. recent]),
            ["costHistory"] = history.ToJson(),
            ["regions"] = Regions(clusterList),
        };
    }

    private static JsonObject Migration(SuperPodMigration m)
    {
        var progress = m.Status?.Progress;
        var total = (progress?.BytesSent ?? 0) + (progress?.BytesRemaining ?? 0);
        return new JsonObject
        {
            ["namespace"] = m.Metadata.NamespaceProperty,
            ["name"] = m.Metadata.Name,
            ["superPod"] = m.Spec.SuperPod,
            ["reason"] = m.Spec.Reason?.ToString(),
            ["phase"] = m.Status?.Phase?.ToString() ?? nameof(MigrationPhase.Pending),
            ["source"] = m.Status?.Source?.Node,
            ["target"] = m.Status?.Target?.Node ?? m.Spec.Target?.Node ?? m.Spec.Target?.Cluster ?? m.Spec.Target?.Cloud?.ToString(),
            ["bytesSent"] = progress?.BytesSent,
            ["bytesRemaining"] = progress?.BytesRemaining,
            ["iterations"] = progress?.Iterations,
            ["percent"] = total > 0 ? Math.Round(100.0 * (progress!.BytesSent ?? 0) / total, 1) : null,
            ["totalTime"] = m.Status?.TotalTime,
            ["downtime"] = m.Status?.Downtime,
            ["failureReason"] = m.Status?.FailureReason,
        };
    }

    // Rows: the clusters (cloud/region); columns: every client region a latency table names; cells: RTT in ms.
    private static JsonObject Regions(IReadOnlyList<SuperCluster> clusterList)
    {
        var locations = clusterList.SelectMany(c => c.Spec.Latency ?? []).Select(l => l.Location).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new JsonObject
        {
            ["locations"] = new JsonArray([.. locations.Select(l => (JsonNode)JsonValue.Create(l))]),
            ["rows"] = new JsonArray([.. clusterList.Select(c => (JsonNode)new JsonObject
            {
                ["cluster"] = c.Metadata.Name,
                ["cloud"] = c.Spec.Provider.ToString(),
                ["region"] = c.Spec.Region,
                ["rttMs"] = new JsonArray([.. locations.Select(l => (JsonNode?)(c.Spec.Latency?.FirstOrDefault(e => e.Location == l) is { } e ? JsonValue.Create(e.LatencyMs) : null))]),
            })]),
        };
    }
}
