using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>
/// The VXLAN overlay settings of a SuperCluster: the overlay networks it joins with the address pool it contributes to
/// each, the VNIs it may use, and the MTU inside.
/// </summary>
[CelRule("!has(self.vniRangeStart) || !has(self.vniRangeEnd) || self.vniRangeStart <= self.vniRangeEnd", "vniRangeStart must not be greater than vniRangeEnd", FieldPath = ".vniRangeEnd")]
[CelRule("!has(self.networks) || self.networks.all(n, (!has(self.vniRangeStart) || n.vni >= self.vniRangeStart) && (!has(self.vniRangeEnd) || n.vni <= self.vniRangeEnd))",
    "every network's vni must lie between vniRangeStart and vniRangeEnd", FieldPath = ".networks")]
[CelRule("!has(self.networks) || self.networks.all(a, self.networks.filter(b, b.vni == a.vni).size() == 1)",
    "two networks of one cluster cannot share a vni: each network is its own VXLAN segment", FieldPath = ".networks")]
[CelRule("!has(self.networks) || self.networks.all(a, self.networks.filter(b, b.cidr == a.cidr).size() == 1)",
    "two networks of one cluster cannot share a cidr", FieldPath = ".networks")]
public sealed class OverlaySettings
{
    /// <summary>
    /// The overlay networks this cluster's nodes join, each with the address pool its SuperPods get addresses from. A
    /// network name means the same VNI in every cluster; pools must not overlap (the operator refuses a conflicting
    /// declaration with the NetworkReady condition, naming the other cluster).
    /// </summary>
    [ListMap("name")]
    [MaxItems(16)]
    public IList<OverlayNetwork>? Networks { get; set; }

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
