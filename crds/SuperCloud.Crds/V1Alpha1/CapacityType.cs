using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The purchase option of cloud hosts.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CapacityType>))]
public enum CapacityType
{
    /// <summary>On-demand instances: full price, never reclaimed.</summary>
    OnDemand,

    /// <summary>Spot instances: cheaper, reclaimed with a short notice.</summary>
    Spot,
}
