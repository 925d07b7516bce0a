using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The desired state of a SuperPod: its size, how it boots, its network identity and where it may run.</summary>
public sealed class SuperPodSpec
{
    /// <summary>CPUs and memory of the virtual machine.</summary>
    public required SuperPodResources Resources { get; set; }

    /// <summary>How the virtual machine boots: a VM image from an OCI registry (a kernel image or a disk image).</summary>
    public required BootSource Boot { get; set; }

    /// <summary>Disks besides the boot image's own: overlays on images' disks or empty disks; immutable. They move with the SuperPod.</summary>
    [ListMap("name")]
    [MaxItems(16)]
    [CelRule("self == oldSelf", "disks are immutable: they hold the SuperPod's data; delete and recreate the SuperPod to change them")]
    public IList<SuperPodDisk>? Disks { get; set; }

    /// <summary>cloud-init data, given to the guest as a NoCloud seed volume (labelled cidata).</summary>
    public CloudInitSource? CloudInit { get; set; }

    /// <summary>Network interfaces; each keeps its overlay IP and MAC across migrations.</summary>
    [ListMap("name")]
    [MaxItems(8)]
    public IList<NetworkInterface>? Networks { get; set; }

    /// <summary>Where the SuperPod may run and on what kind of capacity.</summary>
    public Placement? Placement { get; set; }

    /// <summary>StubResources (in the same namespace) the SuperPod uses; each is reachable at its local address wherever the SuperPod runs.</summary>
    [ListMap("name")]
    [MaxItems(16)]
    public IList<StubAttachment>? Stubs { get; set; }

    /// <summary>Where the SuperPod's clients are; follow-the-sun policies move it close to the heaviest weight.</summary>
    [ListMap("name")]
    [MaxItems(32)]
    public IList<ClientLocation>? ClientLocations { get; set; }

    /// <summary>
    /// The MigrationPolicy to prefer among those whose selectors match this SuperPod; when empty, the matching policy
    /// with the highest priority applies. The reference is honoured only when the policy's selectors also match the
    /// SuperPod (a tenant cannot opt into a policy the administrator did not offer to it); otherwise the operator
    /// ignores it, falls back to the matching policies and sets the condition MigrationPolicyRefused.
    /// </summary>
    public MigrationPolicyReference? MigrationPolicy { get; set; }

    /// <summary>Whether the virtual machine should run, with KubeVirt's semantics.</summary>
    [Default("Always")]
    public RunStrategy? RunStrategy { get; set; }
}
