using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The observed state of a SuperPod: where it runs, its address and its migrations.</summary>
public sealed class SuperPodStatus
{
    /// <summary>The metadata.generation the operator last acted on.</summary>
    [Minimum(0)]
    public long? ObservedGeneration { get; set; }

    /// <summary>Conditions: Scheduled, ImagesReady, Ready, Migrating and MigrationPolicyRefused.</summary>
    [ListMap("type")]
    [MaxItems(16)]
    public IList<V1Condition>? Conditions { get; set; }

    /// <summary>A one-word summary of the lifecycle.</summary>
    public SuperPodPhase? Phase { get; set; }

    /// <summary>The SuperNode the virtual machine runs on.</summary>
    public string? Node { get; set; }

    /// <summary>
    /// The ownership epoch of the virtual machine on status.node: raised, in the same write as status.node, whenever
    /// another copy of the VM takes over (a binding, a migration's switch-over or roll-back). Node agents refuse to run
    /// the VM under an epoch older than one they have seen.
    /// </summary>
    [Minimum(0)]
    public long? OwnerEpoch { get; set; }

    /// <summary>The SuperCluster of that node.</summary>
    public string? Cluster { get; set; }

    /// <summary>The cloud of that cluster.</summary>
    public CloudProvider? Cloud { get; set; }

    /// <summary>The region of that cluster.</summary>
    public string? Region { get; set; }

    /// <summary>The overlay IP of the first network interface (the primary IP; all interfaces are in interfaces).</summary>
    public string? Ip { get; set; }

    /// <summary>The IP and MAC of every network interface, whether fixed in spec.networks or allocated by the operator.</summary>
    [ListMap("name")]
    [MaxItems(8)]
    public IList<InterfaceStatus>? Interfaces { get; set; }

    /// <summary>The SuperPod's images, each resolved to a digest once; every placement and migration pulls exactly these.</summary>
    [ListMap("name")]
    [MaxItems(17)]
    public IList<ImageStatus>? Images { get; set; }

    /// <summary>The migration in progress, if any.</summary>
    public CurrentMigration? Migration { get; set; }

    /// <summary>A summary of the last migration that finished, successfully or not.</summary>
    public MigrationRecord? LastMigration { get; set; }

    /// <summary>What the SuperPod has cost so far and costs now.</summary>
    public CostStatus? Cost { get; set; }
}
