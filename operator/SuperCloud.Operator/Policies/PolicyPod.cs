using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Policies;

/// <summary>A running SuperPod with the policy that governs it, as the policy engine sees it.</summary>
/// <param name="Key">namespace/name.</param>
/// <param name="MilliCpu">Requested CPU.</param>
/// <param name="MemoryBytes">Guest memory.</param>
/// <param name="DiskBytes">Disk bytes a migration must copy (0 when the disks are shared or read-only images).</param>
/// <param name="Node">The node it runs on.</param>
/// <param name="BillingAnchor">When it started on that node: billing periods count from here.</param>
/// <param name="Policy">The policy that governs it.</param>
/// <param name="Spot">Its spot placement (Allowed, Required, Forbidden).</param>
/// <param name="AllowedClusters">The clusters its placement allows, or null for all.</param>
/// <param name="MaxPricePerHour">Its placement's price cap, or null.</param>
/// <param name="Clients">Its client locations.</param>
/// <param name="Busy">True while a migration of it exists that has not finished: the engine leaves it alone.</param>
public sealed record PolicyPod(
    string Key,
    long MilliCpu,
    long MemoryBytes,
    long DiskBytes,
    string Node,
    DateTime BillingAnchor,
    PolicyRules Policy,
    SpotPolicy Spot = SpotPolicy.Allowed,
    IReadOnlySet<string>? AllowedClusters = null,
    decimal? MaxPricePerHour = null,
    IReadOnlyList<PolicyClient>? Clients = null,
    bool Busy = false);
