using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>The events that make a policy migrate a SuperPod.</summary>
[CelRule("has(self.spotPrice) || has(self.spotInterruption) || has(self.followTheSun) || has(self.stubAccess)", "set at least one trigger: spotPrice, spotInterruption, followTheSun or stubAccess", Reason = "FieldValueRequired")]
[CelRule("!(has(self.spotPrice) && has(self.followTheSun))", "spotPrice and followTheSun pull a SuperPod towards different places: set one of them per policy", FieldPath = ".followTheSun", Reason = "FieldValueForbidden")]
public sealed class MigrationTriggers
{
    /// <summary>Move to cheaper capacity when the saving is large enough.</summary>
    public SpotPriceTrigger? SpotPrice { get; set; }

    /// <summary>Move away from a spot instance that is about to be reclaimed.</summary>
    public SpotInterruptionTrigger? SpotInterruption { get; set; }

    /// <summary>Move to follow clients through the day.</summary>
    public FollowTheSunTrigger? FollowTheSun { get; set; }

    /// <summary>Move next to StubResources whose access mode is MoveToResource.</summary>
    public StubAccessTrigger? StubAccess { get; set; }
}
