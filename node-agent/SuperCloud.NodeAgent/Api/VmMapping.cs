using Google.Protobuf.WellKnownTypes;
using SuperCloud.NodeAgent.Hypervisor;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Api;

/// <summary>Converts between the wire messages of <c>supercloud.agent.v1</c> and the driver's types.</summary>
internal static class VmMapping
{
    public static VmSpec ToSpec(V1.VmSpec spec) => new(
        spec.Id,
        spec.Vcpus,
        spec.MemoryMib,
        spec.Boot is null ? null! : new VmBoot(spec.Boot.Kernel, string.IsNullOrEmpty(spec.Boot.Initrd) ? null : spec.Boot.Initrd, spec.Boot.Cmdline),
        spec.Nics.Select(ToNic).ToList())
    {
        Hostname = string.IsNullOrEmpty(spec.Hostname) ? null : spec.Hostname,
    };

    private static VmNic ToNic(V1.Nic nic) => new(nic.TapDevice, nic.Mac)
    {
        Address = string.IsNullOrEmpty(nic.Ip) ? null : new GuestNicAddress(nic.Ip, nic.PrefixLength, string.IsNullOrEmpty(nic.Gateway) ? null : nic.Gateway, nic.Mtu),
    };

    public static V1.Vm ToVm(VmStatus status, long epoch) => new()
    {
        Id = status.Id,
        State = status.State switch
        {
            VmState.Created => V1.VmState.Created,
            VmState.Running => V1.VmState.Running,
            VmState.Paused => V1.VmState.Paused,
            VmState.Stopped => V1.VmState.Stopped,
            VmState.Crashed => V1.VmState.Crashed,
            _ => V1.VmState.Unspecified,
        },
        Reason = status.Reason,
        Message = status.Message,
        ProcessId = status.ProcessId ?? 0,
        Since = Timestamp.FromDateTimeOffset(status.Since),
        Epoch = epoch,
        MigrationState = status.Migration,
    };
}
