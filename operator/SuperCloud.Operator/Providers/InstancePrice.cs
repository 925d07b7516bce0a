namespace SuperCloud.Operator.Providers;

/// <summary>The price of one instance type in one zone, per instance-hour, as the provider published it.</summary>
/// <param name="InstanceType">The instance type (<c>m5.large</c>).</param>
/// <param name="Zone">The availability zone.</param>
/// <param name="UsdPerHour">USD per instance-hour.</param>
/// <param name="Since">When this price took effect.</param>
public sealed record InstancePrice(string InstanceType, string Zone, decimal UsdPerHour, DateTime Since);
