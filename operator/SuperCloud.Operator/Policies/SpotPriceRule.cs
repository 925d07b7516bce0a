using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Policies;

/// <summary>When cheaper capacity is worth a move: the saving over the next billing period must beat the migration's cost plus this share of the current price.</summary>
/// <param name="MinSaving">The threshold as a fraction (0.2 = 20 %) of what the SuperPod costs over the period where it is.</param>
/// <param name="BillingPeriod">The period the saving is computed over; the current cluster's billing period when null.</param>
/// <param name="EvaluateAt">At billing boundaries only, or whenever prices change.</param>
public sealed record SpotPriceRule(double MinSaving, TimeSpan? BillingPeriod = null, PriceEvaluation EvaluateAt = PriceEvaluation.BillingBoundary);
