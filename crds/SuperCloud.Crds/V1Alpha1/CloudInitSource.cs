using SuperCloud.Crds.Schema;

namespace SuperCloud.Crds.V1Alpha1;

/// <summary>
/// cloud-init data for the guest (the NoCloud data source): the node agent attaches a volume labelled cidata with
/// meta-data (instance-id: the SuperPod's uid, which stays the same when it migrates; local-hostname: its name),
/// this user-data and this network-config.
/// </summary>
public sealed class CloudInitSource
{
    /// <summary>user-data: a #cloud-config document or a script, as cloud-init reads it.</summary>
    [MaxLength(32768)]
    public string? UserData { get; set; }

    /// <summary>network-config (version 1 or 2), as cloud-init reads it.</summary>
    [MaxLength(32768)]
    public string? NetworkData { get; set; }
}
