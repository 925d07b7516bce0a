namespace SuperCloud.NodeAgent.Registration;

/// <summary>The labels the agent puts on its SuperNode (and owns through server-side apply).</summary>
public static class NodeLabels
{
    /// <summary>The SuperCluster of the host.</summary>
    public const string Cluster = "supercloud.dev/cluster";

    /// <summary>The cloud of the host (<c>aws</c>, <c>gcp</c>, <c>azure</c>, <c>onprem</c> or a lab cloud's name).</summary>
    public const string Cloud = "supercloud.dev/cloud";

    /// <summary>The well-known Kubernetes region label.</summary>
    public const string Region = "topology.kubernetes.io/region";

    /// <summary>The well-known Kubernetes zone label.</summary>
    public const string Zone = "topology.kubernetes.io/zone";
}
