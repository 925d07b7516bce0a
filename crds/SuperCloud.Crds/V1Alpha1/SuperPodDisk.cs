using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>
/// A disk of a SuperPod: a copy-on-write overlay on a VM image's disk, or an empty disk. It lives on the SuperPod's host
/// and moves with it when it migrates (its data is mirrored to the target while the SuperPod runs).
/// </summary>
[CelRule("has(self.image) || has(self.size)", "an empty disk needs a size", FieldPath = ".size", Reason = "FieldValueRequired")]
public sealed class SuperPodDisk
{
    /// <summary>The disk's name, unique in the SuperPod: a DNS label of at most 20 characters, seen by the guest as the disk's serial (/sys/block/vdX/serial).</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(20)]
    [CelRule("self != 'boot'", "'boot' names the boot image's own disk; choose another name")]
    public required string Name { get; set; }

    /// <summary>A VM image with a disk layer, the base of this disk (the syntax of spec.boot.image); unset for an empty disk.</summary>
    [MaxLength(512)]
    [CelRule(Patterns.ImageReferenceRule, Patterns.ImageReferenceMessage)]
    public string? Image { get; set; }

    /// <summary>The disk's size, such as <c>1Gi</c>: required for an empty disk; for an image's disk at least the image's (default: the image's).</summary>
    [Pattern(Patterns.NonNegativeQuantity)]
    [CelRule("!isQuantity(string(self)) || (!quantity(string(self)).isLessThan(quantity('1Mi')) && !quantity(string(self)).isGreaterThan(quantity('16Ti')))", "size must be between 1Mi and 16Ti")]
    public ResourceQuantity? Size { get; set; }
}
