namespace SuperCloud.Operator.Policies;

/// <summary>The numbers behind one policy decision, as its Event reports them; fields that do not apply to the trigger are null.</summary>
/// <param name="CurrentPerHour">What the SuperPod costs per hour where it runs.</param>
/// <param name="TargetPerHour">What it would cost per hour at the target.</param>
/// <param name="ExpectedSaving">(current − target) × the billing period.</param>
/// <param name="MigrationCost">What the move costs: the target billed during the predicted migration time.</param>
/// <param name="Threshold">The policy's minimum saving over the period, in money.</param>
/// <param name="PredictedTime">Predicted total migration time, including time waiting for a slot.</param>
/// <param name="RateBytesPerSecond">The migration rate the prediction used.</param>
/// <param name="TimeToDeadline">Time left before the interruption deadline.</param>
/// <param name="CurrentRttMs">Client-weighted round-trip time where it runs.</param>
/// <param name="TargetRttMs">Client-weighted round-trip time at the target.</param>
/// <param name="Gain">Fractional RTT improvement.</param>
public sealed record DecisionNumbers(
    decimal? CurrentPerHour = null,
    decimal? TargetPerHour = null,
    decimal? ExpectedSaving = null,
    decimal? MigrationCost = null,
    decimal? Threshold = null,
    TimeSpan? PredictedTime = null,
    double? RateBytesPerSecond = null,
    TimeSpan? TimeToDeadline = null,
    double? CurrentRttMs = null,
    double? TargetRttMs = null,
    double? Gain = null);
