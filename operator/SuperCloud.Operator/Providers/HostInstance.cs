namespace SuperCloud.Operator.Providers;

/// <summary>One instance of a host pool.</summary>
/// <param name="InstanceId">The cloud's id (<c>i-0123…</c>).</param>
/// <param name="InstanceType">Its type.</param>
/// <param name="Zone">Its availability zone.</param>
/// <param name="Spot">True for a spot instance.</param>
/// <param name="State">The cloud's state name (<c>pending</c>, <c>running</c>, <c>shutting-down</c>, <c>terminated</c>, …).</param>
/// <param name="StateReason">Why it last changed state, when the cloud says (<c>Server.SpotInstanceTermination</c>).</param>
/// <param name="PrivateIp">Its private address, once it has one.</param>
/// <param name="LaunchTime">When it was launched.</param>
public sealed record HostInstance(
    string InstanceId, string InstanceType, string Zone, bool Spot, string State, string? StateReason, string? PrivateIp, DateTime? LaunchTime)
{
    /// <summary>The SuperNode <c>spec.providerID</c> of this instance, as Kubernetes' AWS cloud provider writes it.</summary>
    public string ProviderId => $"aws:///{Zone}/{InstanceId}";
}
