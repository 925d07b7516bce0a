using Google.Protobuf.WellKnownTypes;
using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Images;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Api;

/// <summary>Converts between the wire messages of <c>supercloud.agent.v1</c> and the driver's types.</summary>
internal static class VmMapping
{
    /// <summary>The driver's spec; an image reference that is not registry/repository plus a sha256 digest is InvalidArgument naming its field.</summary>
    public static Hypervisor.VmSpec ToSpec(V1.VmSpec spec) => new(
        spec.Id,
        spec.Vcpus,
        spec.MemoryMib,
        spec.Boot is null ? null! : new VmBoot(ToImage(spec.Boot.Image, "spec.boot.image"), string.IsNullOrEmpty(spec.Boot.Cmdline) ? null : spec.Boot.Cmdline),
        spec.Nics.Select(ToNic).ToList())
    {
        Hostname = string.IsNullOrEmpty(spec.Hostname) ? null : spec.Hostname,
        Disks = spec.Disks.Select((d, i) => new VmDisk(d.Name, d.Image is null ? null : ToImage(d.Image, $"spec.disks[{i}].image"), d.SizeBytes)).ToList(),
        CloudInit = spec.CloudInit is null ? null : new VmCloudInit(spec.CloudInit.InstanceId, spec.CloudInit.Hostname,
            string.IsNullOrEmpty(spec.CloudInit.UserData) ? null : spec.CloudInit.UserData,
            string.IsNullOrEmpty(spec.CloudInit.NetworkData) ? null : spec.CloudInit.NetworkData),
    };

    /// <summary>An image reference from the wire, checked: InvalidArgument naming <paramref name="field"/> otherwise.</summary>
    public static ImageSource ToImage(V1.ImageReference? image, string field)
    {
        if (image is null)
        {
            throw RpcErrors.InvalidArgument(field, "is required: registry/repository and the manifest digest");
        }

        if (!Digest.TryParse(image.Digest, out var digest))
        {
            throw RpcErrors.InvalidArgument(field + ".digest", $"must be sha256: and 64 lower-case hex digits, got '{image.Digest}'");
        }

        if (!ImageReference.TryParse(image.Repository, out var reference, out var error) || reference.Registry is null || reference.Tag is not null || reference.Digest is not null)
        {
            throw RpcErrors.InvalidArgument(field + ".repository", $"must be registry/repository without tag or digest, got '{image.Repository}'{(error is null ? "" : ": " + error)}");
        }

        return new ImageSource(reference.Name, digest);
    }

    public static V1.ImageReference ToReference(ImageSource source) => new() { Repository = source.Name, Digest = source.Digest.ToString() };

    public static V1.ImagePull ToPull(ImagePullState state) => new()
    {
        Image = ToReference(state.Source),
        State = state.Phase switch
        {
            ImagePullPhase.Pulling => V1.ImagePullState.Pulling,
            ImagePullPhase.Ready => V1.ImagePullState.Ready,
            _ => V1.ImagePullState.Failed,
        },
        BytesDone = state.BytesDone,
        BytesTotal = state.BytesTotal,
        Source = state.Registry,
        Failure = ToFailure(state.Failure),
        Message = state.Message,
    };

    public static V1.ImagePullFailure ToFailure(RegistryErrorKind? kind) => kind switch
    {
        null => V1.ImagePullFailure.Unspecified,
        RegistryErrorKind.NotFound => V1.ImagePullFailure.NotFound,
        RegistryErrorKind.DigestMismatch => V1.ImagePullFailure.DigestMismatch,
        RegistryErrorKind.Unreachable => V1.ImagePullFailure.RegistryUnreachable,
        RegistryErrorKind.Unauthorized => V1.ImagePullFailure.Unauthorized,
        _ => V1.ImagePullFailure.InvalidImage,
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
