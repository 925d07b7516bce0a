using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Providers;

/// <summary>Instances to start in a pool.</summary>
/// <param name="Count">How many.</param>
/// <param name="CapacityType">Spot or on-demand.</param>
/// <param name="InstanceType">The instance type.</param>
/// <param name="UserData">The cloud-init user data that installs and starts the node agent (plain text; the provider encodes it).</param>
/// <param name="MaxSpotPriceUsd">For spot: the most to pay per instance-hour; the on-demand price when null.</param>
public sealed record LaunchRequest(int Count, CapacityType CapacityType, string InstanceType, string UserData, decimal? MaxSpotPriceUsd = null);
