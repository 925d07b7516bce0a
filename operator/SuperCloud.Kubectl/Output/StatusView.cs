using System.Globalization;
using System.Text;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Kubectl.Output;

/// <summary><c>kubectl supercloud status</c>: where a SuperPod runs and why, its conditions, its migrations and its cost.</summary>
internal static class StatusView
{
    public static string Render(SuperPod pod, SuperPodMigration? current)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var status = pod.Status;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"SuperPod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}\n");
        var ready = status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        text.Append(CultureInfo.InvariantCulture, $"  Phase:          {status?.Phase?.ToString() ?? "Pending"}{(ready is null ? "" : $" (Ready {ready.Status}: {ready.Reason})")}\n");
        text.Append(CultureInfo.InvariantCulture, $"  Run strategy:   {pod.Spec.RunStrategy?.ToString() ?? "Always"}\n");
        text.Append(CultureInfo.InvariantCulture, $"  Placement:      {Placement(status)}\n");
        if (status?.Ip is { Length: > 0 } ip)
        {
            text.Append(CultureInfo.InvariantCulture, $"  IP:             {ip}\n");
        }

        if (status?.Conditions?.FirstOrDefault(c => c.Type == "Scheduled") is { } scheduled)
        {
            // The scheduler's own words: which nodes it filtered out and why, or where it bound the SuperPod.
            text.Append(CultureInfo.InvariantCulture, $"  Scheduler:      {scheduled.Reason}: {scheduled.Message}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"  Migration:      {Current(status?.Migration, current)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  Last migration: {Last(status?.LastMigration)}\n");
        text.Append(CultureInfo.InvariantCulture, $"  Cost:           {Cost(status?.Cost)}\n");
        if (status?.Conditions is { Count: > 0 } conditions)
        {
            text.Append("  Conditions:\n");
            var table = Table.Render(
                ["TYPE", "STATUS", "REASON", "MESSAGE"],
                conditions.Select(c => (IReadOnlyList<string>)[c.Type, c.Status, c.Reason ?? "", c.Message ?? ""]));
            foreach (var line in table.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                text.Append("    ").Append(line).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Placement(SuperPodStatus? status)
    {
        if (status?.Node is not { Length: > 0 } node)
        {
            return "not placed";
        }

        var parts = new List<string> { $"node {node}" };
        if (status.Cluster is { } cluster)
        {
            parts.Add($"cluster {cluster}");
        }

        if (status.Cloud is { } cloud)
        {
            parts.Add($"cloud {Names.Cloud(cloud)}");
        }

        if (status.Region is { } region)
        {
            parts.Add($"region {region}");
        }

        if (status.OwnerEpoch is { } epoch)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"owner epoch {epoch}"));
        }

        return string.Join(", ", parts);
    }

    private static string Current(CurrentMigration? migration, SuperPodMigration? current)
    {
        if (migration is null)
        {
            return "none";
        }

        var line = $"{migration.Name} {migration.Phase}{(migration.TargetNode is null ? "" : $" to {migration.TargetNode}")}";
        return current is null ? line : $"{line}  {ProgressBar.Render(current)}";
    }

    private static string Last(MigrationRecord? record)
    {
        if (record is null)
        {
            return "none";
        }

        var line = $"{record.Name} {record.Phase} ({record.Reason?.ToString() ?? "-"}) from {record.From?.Node ?? "-"} to {record.To?.Node ?? "-"}";
        if (record.Phase == MigrationPhase.Succeeded)
        {
            line += $" in {record.TotalTime ?? "-"}, downtime {record.Downtime ?? "-"}, {Units.Bytes(record.BytesTransferred)}";
        }
        else if (record.FailureReason is { } reason)
        {
            line += $": {reason}";
        }

        return record.CompletionTime is { } at ? $"{line}, {at.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z" : line;
    }

    /// <summary>The cost line: current rate, accumulated, on-demand and the saving; "not accounted yet" without status.cost.</summary>
    public static string Cost(CostStatus? cost)
    {
        if (cost is null)
        {
            return "not accounted yet";
        }

        var accumulated = Units.Amount(cost.Accumulated);
        var onDemand = Units.Amount(cost.OnDemandAccumulated);
        var rate = Units.Amount(cost.RatePerHour);
        var capacity = cost.Capacity is { } c ? $" ({c.ToString().ToLowerInvariant()})" : "";
        var since = cost.Since is { } s ? $" since {s.ToUniversalTime():yyyy-MM-dd HH:mm:ss}Z" : "";
        return $"{Units.Money(rate, cost.Currency)}/h{capacity}; {Units.Money(accumulated, cost.Currency)}{since}, " +
               $"on-demand {Units.Money(onDemand, cost.Currency)} (saving {Units.Saving(accumulated, onDemand)})";
    }
}
