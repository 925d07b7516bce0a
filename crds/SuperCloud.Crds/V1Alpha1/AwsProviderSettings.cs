using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>How the operator starts EC2 instances for a SuperCluster.</summary>
public sealed class AwsProviderSettings
{
    /// <summary>The EC2 API endpoint; the region's public endpoint when empty (set it to use a local EC2-compatible endpoint).</summary>
    [Pattern(@"^https?://[^\s]+$")]
    [MaxLength(2048)]
    public string? Endpoint { get; set; }

    /// <summary>Instance types the operator may start, in order of preference (<c>m5.large</c>).</summary>
    [ListSet]
    [MaxItems(16)]
    public IList<string>? InstanceTypes { get; set; }

    /// <summary>The subnet instances are started in.</summary>
    [Pattern(@"^subnet-[0-9a-f]{8,17}$")]
    public string? SubnetId { get; set; }

    /// <summary>The AMI instances boot; it must contain the node agent.</summary>
    [Pattern(@"^ami-[0-9a-f]{8,17}$")]
    public string? ImageId { get; set; }

    /// <summary>A Secret with keys accessKeyId and secretAccessKey; the operator's ambient credentials when empty.</summary>
    public SecretReference? CredentialsSecretRef { get; set; }
}
