using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The CPUs and memory of a SuperPod's virtual machine.</summary>
public sealed class SuperPodResources
{
    /// <summary>Virtual CPUs, as a quantity greater than 0 and at most 256: <c>2</c>, or <c>500m</c> for half a host CPU shared.</summary>
    [Pattern(Patterns.NonNegativeQuantity)]
    [Minimum(0)]
    [CelRule("!isQuantity(string(self)) || (quantity(string(self)).isGreaterThan(quantity('0')) && !quantity(string(self)).isGreaterThan(quantity('256')))", "cpu must be greater than 0 and at most 256")]
    public required ResourceQuantity Cpu { get; set; }

    /// <summary>Guest memory in bytes, as a quantity greater than 0 and at most 4Ti: <c>512Mi</c>, <c>4Gi</c>.</summary>
    [Pattern(Patterns.NonNegativeQuantity)]
    [Minimum(0)]
    [CelRule("!isQuantity(string(self)) || (quantity(string(self)).isGreaterThan(quantity('0')) && !quantity(string(self)).isGreaterThan(quantity('4Ti')))", "memory must be greater than 0 and at most 4Ti")]
    public required ResourceQuantity Memory { get; set; }
}
