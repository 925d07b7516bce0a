using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>How SuperPods far from a StubResource reach it.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StubAccess>))]
public enum StubAccess
{
    /// <summary>The node agents proxy traffic to the resource wherever the SuperPod runs.</summary>
    Proxy,

    /// <summary>SuperPods that use the resource are migrated next to it (with a MigrationPolicy's stubAccess trigger).</summary>
    MoveToResource,
}
