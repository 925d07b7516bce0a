using k8s.Models;
using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// Resolves a migration's limits field by field: the SuperPodMigration's own, then the SuperPod's MigrationPolicy's, then
/// <see cref="EffectiveMigrationLimits.Defaults"/>. The SuperPod's policy is the one its spec.migrationPolicy names when
/// that policy's selectors match it, else the matching policy with the highest priority, then the most specific selectors
/// (ties: the first name). Pure.
/// </summary>
public static class MigrationLimitsResolver
{
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The policy that governs <paramref name="pod"/> (in a namespace labelled <paramref name="namespaceLabels"/>), or null.</summary>
    public static MigrationPolicy? PolicyFor(SuperPod pod, IReadOnlyDictionary<string, string>? namespaceLabels, IEnumerable<MigrationPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(policies);
        var podLabels = pod.Metadata.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : NoLabels;
        var matching = policies
            .Where(p => Matches(p.Spec.Selectors?.NamespaceSelector, namespaceLabels ?? NoLabels) && Matches(p.Spec.Selectors?.SuperPodSelector, podLabels))
            .ToList();
        var named = pod.Spec.MigrationPolicy?.Name;
        return matching.FirstOrDefault(p => p.Metadata.Name == named)
            ?? matching.OrderByDescending(p => p.Spec.Priority ?? 0).ThenByDescending(Specificity).ThenBy(p => p.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
    }

    /// <summary>How specific a policy's selectors are, as KubeVirt ranks migration policies: the number of label requirements in both.</summary>
    public static int Specificity(MigrationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        static int Count(V1LabelSelector? selector) => (selector?.MatchLabels?.Count ?? 0) + (selector?.MatchExpressions?.Count ?? 0);
        return Count(policy.Spec.Selectors?.NamespaceSelector) + Count(policy.Spec.Selectors?.SuperPodSelector);
    }

    /// <summary>
    /// Merges <paramref name="migration"/>'s limits over <paramref name="policy"/>'s over the defaults; a malformed value
    /// throws <see cref="FormatException"/> naming its field.
    /// </summary>
    public static EffectiveMigrationLimits Resolve(MigrationLimits? migration, MigrationPolicy? policy)
    {
        var inherited = policy?.Spec.Limits;
        var d = EffectiveMigrationLimits.Defaults;
        return new EffectiveMigrationLimits(
            Bandwidth(migration?.Bandwidth, "spec.limits.bandwidth") ?? Bandwidth(inherited?.Bandwidth, Field(policy, "bandwidth")) ?? d.BandwidthBytesPerSecond,
            Duration(migration?.MaxDowntime, "spec.limits.maxDowntime") ?? Duration(inherited?.MaxDowntime, Field(policy, "maxDowntime")) ?? d.MaxDowntime,
            Duration(migration?.CompletionTimeoutPerGiB, "spec.limits.completionTimeoutPerGiB")
                ?? Duration(inherited?.CompletionTimeoutPerGiB, Field(policy, "completionTimeoutPerGiB")) ?? d.CompletionTimeoutPerGiB,
            Duration(migration?.ProgressTimeout, "spec.limits.progressTimeout") ?? Duration(inherited?.ProgressTimeout, Field(policy, "progressTimeout")) ?? d.ProgressTimeout,
            migration?.AllowAutoConverge ?? inherited?.AllowAutoConverge ?? d.AllowAutoConverge,
            migration?.AllowPostCopy ?? inherited?.AllowPostCopy ?? d.AllowPostCopy,
            policy?.Metadata.Name);
    }

    private static bool Matches(V1LabelSelector? selector, IReadOnlyDictionary<string, string> labels) =>
        selector is null || LabelSelectors.Matches(selector, labels);

    private static string Field(MigrationPolicy? policy, string name) => $"MigrationPolicy {policy?.Metadata.Name} spec.limits.{name}";

    private static TimeSpan? Duration(string? text, string field)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var value = GoDuration.Parse(text, field);
        return value > TimeSpan.Zero ? value : throw new FormatException($"{field}: \"{text}\" must be positive");
    }

    private static long? Bandwidth(ResourceQuantity? quantity, string field)
    {
        if (quantity is null)
        {
            return null;
        }

        try
        {
            return (long)quantity.ToDecimal();
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
        {
            throw new FormatException($"{field}: \"{quantity}\" is not a byte rate like 64Mi", e);
        }
    }
}
