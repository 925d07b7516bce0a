using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The kind of place-bound resource a StubResource describes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StubType>))]
public enum StubType
{
    /// <summary>Hardware attached to one host (a sensor, a GPU box, a licence dongle).</summary>
    Device,

    /// <summary>Data too large or too regulated to move.</summary>
    Dataset,

    /// <summary>A network service that runs in one place.</summary>
    Service,
}
