namespace SuperCloud.Bench.SpotReplay;

/// <summary>The fleet and the policy the replay runs.</summary>
/// <param name="Vms">VMs in the fleet, each alone on its host.</param>
/// <param name="Vcpus">vCPUs of each VM (a host must have as many).</param>
/// <param name="MemoryGiB">Guest memory of each VM (a host must have as much).</param>
/// <param name="DiskGiB">Written disk a migration copies.</param>
/// <param name="Seed">Seed of the interruption draws and migration-time jitter.</param>
/// <param name="MinSaving">The SpotPrice trigger's minimum saving (fraction of the current price over the period).</param>
/// <param name="Cooldown">The policy's cooldown.</param>
/// <param name="DailyBudget">The policy's daily budget per VM.</param>
/// <param name="HazardScale">Multiplies every market's interruption hazard (1 = the Spot Advisor bands), to stress interruption handling.</param>
internal sealed record ReplayOptions(
    int Vms = 100, int Vcpus = 2, double MemoryGiB = 4, double DiskGiB = 1, ulong Seed = 20240101, double MinSaving = 0.2, TimeSpan? Cooldown = null, int DailyBudget = 4,
    double HazardScale = 1);
