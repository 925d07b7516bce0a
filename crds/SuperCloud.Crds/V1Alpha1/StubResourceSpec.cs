using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>What a place-bound resource is, where it lives, and how SuperPods reach it.</summary>
[CelRule("(has(self.access) && self.access != 'Proxy') || has(self.localAddress)", "localAddress is required when access is Proxy", FieldPath = ".localAddress", Reason = "FieldValueRequired")]
[CelRule("!has(self.access) || self.access != 'MoveToResource' || has(self.location.cluster) || has(self.location.node)", "access MoveToResource needs location.cluster or location.node to move SuperPods to", FieldPath = ".location", Reason = "FieldValueRequired")]
public sealed class StubResourceSpec
{
    /// <summary>The kind of resource.</summary>
    public required StubType Type { get; set; }

    /// <summary>Where the resource lives; give at least a cloud or a cluster.</summary>
    public required StubLocation Location { get; set; }

    /// <summary>The real address of the resource, reachable from its location.</summary>
    public required StubEndpoint Endpoint { get; set; }

    /// <summary>The address SuperPods use, the same wherever they run; the node agent proxies it to the endpoint.</summary>
    public LocalAddress? LocalAddress { get; set; }

    /// <summary>How SuperPods far from the resource reach it.</summary>
    [Default("Proxy")]
    public StubAccess? Access { get; set; }
}
