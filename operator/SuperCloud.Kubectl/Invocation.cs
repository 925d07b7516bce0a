namespace SuperCloud.Kubectl;

/// <summary>One parsed command line of <c>kubectl supercloud</c>.</summary>
/// <param name="Command">The subcommand (migrate, cancel, status, cost, console, pause, unpause, start, stop).</param>
/// <param name="Name">The SuperPod, for every command but cost.</param>
/// <param name="Namespace">-n/--namespace; null means the kubeconfig context's namespace.</param>
/// <param name="AllNamespaces">-A/--all-namespaces (cost).</param>
/// <param name="To">migrate --to: a SuperNode, SuperCluster, cloud or region; null lets the scheduler choose.</param>
/// <param name="Wait">migrate --wait: follow the migration with a progress bar until it ends.</param>
/// <param name="Timeout">How long --wait waits.</param>
/// <param name="Kubeconfig">--kubeconfig; null means KUBECONFIG, then ~/.kube/config.</param>
/// <param name="Context">--context; null means the current context.</param>
internal sealed record Invocation(
    string Command, string? Name, string? Namespace, bool AllNamespaces, string? To, bool Wait, TimeSpan Timeout, string? Kubeconfig, string? Context);
