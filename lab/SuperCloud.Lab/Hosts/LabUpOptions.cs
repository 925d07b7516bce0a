namespace SuperCloud.Lab.Hosts;

/// <summary>What <c>supercloud-lab up</c> was asked for.</summary>
public sealed record LabUpOptions
{
    /// <summary>The lab's data directory (absolute).</summary>
    public required string DataDir { get; init; }

    /// <summary>The <c>--clouds</c> value as given (kept in the state file).</summary>
    public required string CloudsText { get; init; }

    /// <summary>The clouds.</summary>
    public required IReadOnlyList<CloudSpec> Clouds { get; init; }

    /// <summary>The API server's port on 127.0.0.1 and on the management address; 0 picks a free one.</summary>
    public int Port { get; init; } = 6443;

    /// <summary>The lab's /16; null picks a free one.</summary>
    public LabSubnet? Subnet { get; init; }

    /// <summary>
    /// The agents' heartbeat Lease duration (renewed every quarter of it): how soon a dead agent's SuperNode turns NotReady.
    /// The agent's default is 40 s.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(40);

    /// <summary>How long the operator waits after a SuperNode turned NotReady before its SuperPods are treated as lost.</summary>
    public TimeSpan NodeGracePeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long <c>up</c> may take until the lab is ready.</summary>
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The test guest's images (node-agent/guest/build.sh's output) to push to the registries; null builds them from the repository.</summary>
    public string? GuestDirectory { get; init; }

    /// <summary>
    /// Install SuperCloud with Helm from this chart directory (one cloud: the chart's agents form one SuperCluster), its
    /// workloads run by the lab's kubelet; null installs the deploy manifests and starts the processes directly.
    /// </summary>
    public string? Chart { get; init; }

    /// <summary>Extra <c>--set</c> values for the Helm install.</summary>
    public IReadOnlyList<string> HelmSettings { get; init; } = [];

    /// <summary>The node agent, operator and CRDs to run.</summary>
    public required LabExecutables Executables { get; init; }
}
