using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The cloud, region, provider settings, prices and network settings of a SuperCluster.</summary>
[CelRule("!has(self.aws) || self.provider == 'aws'", "aws settings are only valid with provider aws", FieldPath = ".aws", Reason = "FieldValueForbidden")]
[CelRule("!has(self.scaling) || self.provider != 'onprem'", "scaling applies to clouds the operator provisions hosts in, not onprem", FieldPath = ".scaling", Reason = "FieldValueForbidden")]
public sealed class SuperClusterSpec
{
    /// <summary>The cloud the hosts run in; immutable.</summary>
    [CelRule("self == oldSelf", "provider is immutable")]
    public required CloudProvider Provider { get; set; }

    /// <summary>The region (<c>us-east-1</c>, or a site name on premises); immutable.</summary>
    [Pattern(Patterns.Region)]
    [MaxLength(63)]
    [CelRule("self == oldSelf", "region is immutable")]
    public required string Region { get; set; }

    /// <summary>The availability zone, when all hosts share one (<c>us-east-1a</c>).</summary>
    [Pattern(Patterns.Region)]
    [MaxLength(63)]
    public string? Zone { get; set; }

    /// <summary>Settings for provider aws: where and how to start EC2 instances.</summary>
    public AwsProviderSettings? Aws { get; set; }

    /// <summary>How many hosts the operator provisions; hosts are registered by hand (as SuperNodes) when empty.</summary>
    public NodeScaling? Scaling { get; set; }

    /// <summary>What capacity costs in this cluster.</summary>
    public Pricing? Pricing { get; set; }

    /// <summary>Measured or configured round-trip latency from this cluster to client locations (regions).</summary>
    [ListMap("location")]
    [MaxItems(64)]
    public IList<LatencyEntry>? Latency { get; set; }

    /// <summary>The overlay network the cluster's nodes join.</summary>
    public OverlaySettings? Overlay { get; set; }
}
