using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The VXLAN overlay settings of a SuperCluster; VNI ranges of clusters that share overlays must not overlap.</summary>
[CelRule("!has(self.vniRangeStart) || !has(self.vniRangeEnd) || self.vniRangeStart <= self.vniRangeEnd", "vniRangeStart must not be greater than vniRangeEnd", FieldPath = ".vniRangeEnd")]
public sealed class OverlaySettings
{
    /// <summary>First VXLAN network identifier the cluster may use.</summary>
    [Minimum(1)]
    [Maximum(16777215)]
    [Default(4096)]
    public int? VniRangeStart { get; set; }

    /// <summary>Last VXLAN network identifier the cluster may use.</summary>
    [Minimum(1)]
    [Maximum(16777215)]
    [Default(8191)]
    public int? VniRangeEnd { get; set; }

    /// <summary>The MTU of SuperPod interfaces (underlay MTU less 50 bytes of VXLAN header).</summary>
    [Minimum(576)]
    [Maximum(9000)]
    [Default(1450)]
    public int? Mtu { get; set; }
}
