namespace SuperCloud.NodeAgent.Hypervisor;

/// <summary>The cloud-init NoCloud data of a VM, written to a seed volume labelled <c>cidata</c>.</summary>
/// <param name="InstanceId">meta-data instance-id: the same after a migration, new when the VM is created anew.</param>
/// <param name="Hostname">meta-data local-hostname.</param>
/// <param name="UserData">user-data, or null.</param>
/// <param name="NetworkData">network-config, or null.</param>
public sealed record VmCloudInit(string InstanceId, string Hostname, string? UserData, string? NetworkData)
{
    /// <summary>The most bytes of user-data or network-config accepted (the seed is built on every host the VM runs on).</summary>
    public const int MaxDataBytes = 64 * 1024;
}
