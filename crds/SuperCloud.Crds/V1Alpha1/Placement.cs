using k8s.Models;
using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>Constraints on where a SuperPod may run; empty lists mean "anywhere".</summary>
[CelRule("!has(self.spot) || self.spot != 'Forbidden' || !has(self.maxPricePerHour)", "maxPricePerHour caps the spot price and contradicts spot: Forbidden", FieldPath = ".maxPricePerHour", Reason = "FieldValueForbidden")]
[CelRule("!has(self.clouds) || !has(self.excludedClouds) || !self.clouds.exists(c, c in self.excludedClouds)", "a cloud cannot be both in clouds and excludedClouds", FieldPath = ".excludedClouds")]
public sealed class Placement
{
    /// <summary>Clouds the SuperPod may run in.</summary>
    [ListSet]
    [MaxItems(4)]
    public IList<CloudProvider>? Clouds { get; set; }

    /// <summary>Clouds the SuperPod must never run in.</summary>
    [ListSet]
    [MaxItems(4)]
    public IList<CloudProvider>? ExcludedClouds { get; set; }

    /// <summary>Regions the SuperPod may run in (<c>us-east-1</c>).</summary>
    [ListSet]
    [MaxItems(32)]
    public IList<string>? Regions { get; set; }

    /// <summary>SuperClusters the SuperPod may run in.</summary>
    [ListSet]
    [MaxItems(32)]
    public IList<string>? Clusters { get; set; }

    // Keys are not checked in CEL: map keys cannot carry a length limit, so a rule over them would exceed the
    // API server's estimated cost budget; a key that is not a label key simply matches no SuperNode.
    /// <summary>Labels a SuperNode must carry: at most 32, values in Kubernetes label value syntax.</summary>
    [MaxProperties(32)]
    [ValueMaxLength(63)]
    [CelRule("self.all(k, self[k].matches('^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$'))", "nodeSelector values must be label values: empty or at most 63 alphanumerics, '-', '_' or '.' that start and end with an alphanumeric")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    /// <summary>Whether spot (preemptible) capacity may be used: Allowed, Required or Forbidden.</summary>
    [Default("Allowed")]
    public SpotPolicy? Spot { get; set; }

    /// <summary>The most the SuperPod may cost per hour on spot capacity, a decimal string in the cluster's currency (<c>0.05</c>).</summary>
    [Pattern(Patterns.Price)]
    public string? MaxPricePerHour { get; set; }

    /// <summary>Taints of SuperNodes the SuperPod tolerates.</summary>
    [MaxItems(16)]
    public IList<V1Toleration>? Tolerations { get; set; }

    /// <summary>SuperPods this one must not share a node, cluster, region or cloud with.</summary>
    [MaxItems(8)]
    public IList<AntiAffinityTerm>? AntiAffinity { get; set; }
}
