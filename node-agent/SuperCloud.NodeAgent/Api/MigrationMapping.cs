using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Migration;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Api;

/// <summary>Converts between the migration messages of <c>supercloud.agent.v1</c> and the migration manager's types.</summary>
internal static class MigrationMapping
{
    public static MigrationSettings ToSettings(V1.MigrationOptions? options) => options is null
        ? new MigrationSettings(0, TimeSpan.FromMilliseconds(300), false, false)
        : new MigrationSettings(
            options.BandwidthBytesPerSecond,
            TimeSpan.FromMilliseconds(options.MaxDowntimeMs == 0 ? 300 : options.MaxDowntimeMs),
            options.AllowAutoConverge,
            options.AllowPostCopy);

    public static V1.MigrationStatus ToStatus(MigrationSnapshot snapshot)
    {
        var status = new V1.MigrationStatus
        {
            MigrationId = snapshot.MigrationId,
            VmId = snapshot.VmId,
            Role = snapshot.Role switch
            {
                MigrationRole.Source => V1.MigrationRole.Source,
                MigrationRole.Target => V1.MigrationRole.Target,
                _ => V1.MigrationRole.Unspecified,
            },
            Phase = snapshot.Phase switch
            {
                MigrationSessionPhase.Prepared => V1.MigrationPhase.Prepared,
                MigrationSessionPhase.Transferring => V1.MigrationPhase.Transferring,
                MigrationSessionPhase.PostCopy => V1.MigrationPhase.PostCopy,
                MigrationSessionPhase.Completed => V1.MigrationPhase.Completed,
                MigrationSessionPhase.Switched => V1.MigrationPhase.Switched,
                MigrationSessionPhase.Failed => V1.MigrationPhase.Failed,
                MigrationSessionPhase.Cancelled => V1.MigrationPhase.Cancelled,
                _ => V1.MigrationPhase.Unknown,
            },
            StreamPayloadBytes = snapshot.Stream.PayloadBytes,
            StreamWireBytes = snapshot.Stream.WireBytes,
            FailureReason = snapshot.FailureReason ?? "",
            Message = snapshot.Message ?? "",
            SourceStoppedAt = Time(snapshot.SourceStoppedAt),
            ResumeAcknowledgedAt = Time(snapshot.ResumeAcknowledgedAt),
            TargetResumedAt = Time(snapshot.TargetResumedAt),
            StartedAt = Time(snapshot.StartedAt),
            Vm = snapshot.Vm is null ? null : VmMapping.ToVm(snapshot.Vm),
        };
        if (snapshot.Hypervisor is { } info)
        {
            status.HypervisorStatus = info.Status;
            status.BytesTransferred = info.TransferredBytes;
            status.BytesRemaining = info.RemainingBytes;
            status.BytesTotal = info.TotalBytes;
            status.DirtyRateBytesPerSecond = info.DirtyRateBytesPerSecond;
            status.Iterations = info.Iterations;
            status.CpuThrottlePercent = info.CpuThrottlePercent;
            status.HypervisorDowntimeMs = (long)(info.Downtime?.TotalMilliseconds ?? 0);
            status.HypervisorTotalTimeMs = (long)(info.TotalTime?.TotalMilliseconds ?? 0);
            status.DiskBytesTransferred = info.DiskTransferredBytes;
            status.DiskBytesRemaining = info.DiskRemainingBytes;
        }

        return status;
    }

    public static byte[] Token(ByteString token, string field) =>
        token.Length >= MigrationManager.MinTokenBytes
            ? token.ToByteArray()
            : throw RpcErrors.InvalidArgument(field, $"must be at least {MigrationManager.MinTokenBytes} random bytes, got {token.Length}");

    private static Timestamp? Time(DateTimeOffset? time) => time is { } t ? Timestamp.FromDateTimeOffset(t) : null;
}
