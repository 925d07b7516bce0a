using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using SuperCloud.NodeAgent.Hypervisor;
using SuperCloud.NodeAgent.Migration;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Api;

/// <summary>Converts between the migration messages of <c>supercloud.agent.v1</c> and the migration manager's types.</summary>
internal static class MigrationMapping
{
    public static MigrationSettings ToSettings(V1.MigrationOptions? options)
    {
        if (options is null)
        {
            return new MigrationSettings(0, TimeSpan.FromMilliseconds(300), false, false);
        }

        if (options.CompletionTimeoutMs < 0)
        {
            throw RpcErrors.InvalidArgument("options.completion_timeout_ms", $"must not be negative, got {options.CompletionTimeoutMs}");
        }

        return new MigrationSettings(
            options.BandwidthBytesPerSecond,
            TimeSpan.FromMilliseconds(options.MaxDowntimeMs == 0 ? 300 : options.MaxDowntimeMs),
            options.AllowAutoConverge,
            options.AllowPostCopy,
            options.CompletionTimeoutMs == 0 ? null : TimeSpan.FromMilliseconds(options.CompletionTimeoutMs));
    }

    public static V1.MigrationStatus ToStatus(MigrationSnapshot snapshot, string nodeName)
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
            Phase = snapshot.Phase,
            StreamPayloadBytes = snapshot.Stream.PayloadBytes,
            StreamWireBytes = snapshot.Stream.WireBytes,
            FailureReason = snapshot.FailureReason,
            Message = snapshot.Message ?? "",
            SourceStoppedAt = Time(snapshot.SourceStoppedAt),
            ResumeAcknowledgedAt = Time(snapshot.ResumeAcknowledgedAt),
            TargetResumedAt = Time(snapshot.TargetResumedAt),
            StartedAt = Time(snapshot.StartedAt),
            Vm = snapshot.Vm is null ? null : VmMapping.ToVm(snapshot.Vm, snapshot.HeldEpoch ?? 0),
            NodeName = nodeName,
            PostCopyStarted = snapshot.PostCopyStarted,
            HandedOver = snapshot.HandedOver,
            SourceEpoch = snapshot.SourceEpoch,
            TargetEpoch = snapshot.TargetEpoch,
            HypervisorState = V1.HypervisorMigrationState.Unspecified,
        };
        if (snapshot.Hypervisor is { } info)
        {
            status.HypervisorState = info.State;
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
