using System.Text.Json.Serialization;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>When a spot-price trigger compares prices.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PriceEvaluation>))]
public enum PriceEvaluation
{
    /// <summary>Shortly before the end of each paid billing period, so no paid time is wasted.</summary>
    BillingBoundary,

    /// <summary>Whenever prices change.</summary>
    PriceChange,
}
