namespace SuperCloud.Operator.Policies;

/// <summary>From this UTC hour until the next step's, a follow-the-sun schedule wants the SuperPod in this region.</summary>
/// <param name="FromHourUtc">0-23.</param>
/// <param name="Region">The region.</param>
public sealed record SunStep(int FromHourUtc, string Region);
