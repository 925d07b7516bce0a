using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>A reference to a Secret by name and namespace.</summary>
public sealed class SecretReference
{
    /// <summary>The Secret name.</summary>
    [Pattern(Patterns.DnsSubdomain)]
    [MaxLength(253)]
    public required string Name { get; set; }

    /// <summary>The Secret namespace; the operator's namespace when empty.</summary>
    [Pattern(Patterns.DnsLabel)]
    [MaxLength(63)]
    public string? Namespace { get; set; }
}
