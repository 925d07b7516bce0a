using k8s.Models;

namespace SuperCloud.Operator.Scheduling.Plugins;

/// <summary>TaintToleration: every NoSchedule/NoExecute taint of the node must be tolerated (core/v1 toleration semantics).</summary>
public sealed class TaintTolerationFilter : IFilterPlugin
{
    private IReadOnlyList<V1Toleration> _tolerations = [];

    // One reason string per distinct taint, so failing nodes do not allocate and the scheduler counts them by reference.
    private readonly Dictionary<(string? Key, string? Value), string> _reasonCache = [];

    /// <inheritdoc/>
    public string Name => "TaintToleration";

    /// <summary>kube-scheduler's reason for the first untolerated taint: <c>node(s) had untolerated taint {key: value}</c>.</summary>
    public static string Reason(V1Taint taint)
    {
        ArgumentNullException.ThrowIfNull(taint);
        return $"node(s) had untolerated taint {{{taint.Key}: {taint.Value}}}";
    }

    /// <summary>True when <paramref name="toleration"/> tolerates <paramref name="taint"/> (empty key with Exists tolerates everything).</summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        ArgumentNullException.ThrowIfNull(toleration);
        ArgumentNullException.ThrowIfNull(taint);
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => !string.IsNullOrEmpty(toleration.Key) && string.Equals(toleration.Value ?? string.Empty, taint.Value ?? string.Empty, StringComparison.Ordinal),
            _ => false,
        };
    }

    /// <inheritdoc/>
    public void PreFilter(PodRequest pod, ClusterSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(pod);
        _tolerations = pod.Tolerations;
    }

    /// <inheritdoc/>
    public bool Filter(NodeInfo node, List<string> reasons)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(reasons);
        foreach (var taint in node.Taints)
        {
            var tolerated = false;
            foreach (var toleration in _tolerations)
            {
                if (Tolerates(toleration, taint))
                {
                    tolerated = true;
                    break;
                }
            }

            if (!tolerated)
            {
                if (!_reasonCache.TryGetValue((taint.Key, taint.Value), out var reason))
                {
                    _reasonCache[(taint.Key, taint.Value)] = reason = Reason(taint);
                }

                reasons.Add(reason);
                return false;
            }
        }

        return true;
    }
}
