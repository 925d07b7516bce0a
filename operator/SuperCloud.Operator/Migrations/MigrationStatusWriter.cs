using k8s.Models;
using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// Every status write of the migration controller: the SuperPodMigration's phase, progress, conditions and outcome, and
/// the SuperPod's lock (status.migration), its owner (status.node and status.ownerEpoch, moved together with optimistic
/// concurrency) and its release. Each write reads the object fresh and re-checks, in the same write, what it relies on.
/// </summary>
public sealed class MigrationStatusWriter(StatusWriter<SuperPodMigration> migrations, StatusWriter<SuperPod> pods, TimeProvider timeProvider)
{
    /// <summary>Condition type of a failed or cancelled migration: False until the target's copy is gone.</summary>
    public const string TargetCleanedUp = "TargetCleanedUp";

    private DateTime Now => timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>The migration waits in Pending for <paramref name="reason"/>.</summary>
    public Task<SuperPodMigration?> HoldAsync(SuperPodMigration migration, string reason, string message, CancellationToken cancellationToken) =>
        WriteAsync(migration, m =>
        {
            var s = m.Status ??= new SuperPodMigrationStatus();
            var changed = s.Phase != MigrationPhase.Pending || s.Message != message;
            s.Phase = MigrationPhase.Pending;
            s.Message = message;
            return SetProgress(s, reason, message) | changed;
        }, cancellationToken);

    /// <summary>
    /// The migration waits in its phase for <paramref name="reason"/>; with <paramref name="ownerUnknown"/> it says that
    /// it cannot tell which host may run the VM.
    /// </summary>
    public Task<SuperPodMigration?> WaitAsync(SuperPodMigration migration, string reason, string message, bool ownerUnknown, CancellationToken cancellationToken) =>
        WriteAsync(migration, m =>
        {
            if (m.Status is null)
            {
                return false;
            }

            var changed = m.Status.Message != message;
            m.Status.Message = message;
            changed |= SetProgress(m.Status, reason, message);
            if (ownerUnknown)
            {
                changed |= Conditions.Set(m.Status.Conditions ??= [], new V1Condition { Type = ConditionTypes.OwnerConfirmed, Status = "Unknown", Reason = reason, Message = message }, timeProvider);
            }

            return changed;
        }, cancellationToken);

    /// <summary>Records that an agent's answer settled which host may run the VM (after it was unknown).</summary>
    public Task<SuperPodMigration?> OwnerConfirmedAsync(SuperPodMigration migration, string reason, string message, CancellationToken cancellationToken) =>
        WriteAsync(migration, m => Conditions.Find(m.Status?.Conditions, ConditionTypes.OwnerConfirmed) is { Status: not "True" }
            && Conditions.Set(m.Status!.Conditions!, new V1Condition { Type = ConditionTypes.OwnerConfirmed, Status = "True", Reason = reason, Message = message }, timeProvider),
            cancellationToken);

    /// <summary>
    /// Takes the SuperPod's lock for <paramref name="migration"/>: written only while it runs on <paramref name="source"/>
    /// and no other migration holds it. Returns the SuperPod as written, or null when the lock was not taken.
    /// </summary>
    public async Task<SuperPod?> LockAsync(ObjectKey pod, SuperPodMigration migration, string source, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var name = migration.Metadata.Name;
        var taken = false;
        var written = await pods.UpdateAsync(pod, p =>
        {
            var s = p.Status;
            taken = false;
            if (s?.Migration?.Name is { Length: > 0 } holder && holder != name)
            {
                return false;
            }

            if (s is null || s.Node != source || s.Phase != SuperPodPhase.Running)
            {
                return false;
            }

            taken = true;
            s.Migration ??= new CurrentMigration { Name = name };
            s.Migration.Phase = MigrationPhase.Scheduling;
            Conditions.Set(s.Conditions ??= [], new V1Condition
            {
                Type = ConditionTypes.Migrating, Status = "True", Reason = "Migrating", Message = $"SuperPodMigration {name} moves it from {source}",
            }, timeProvider);
            return true;
        }, cancellationToken);
        return taken ? written : null;
    }

    /// <summary>The migration starts choosing a target; the source's location and epoch are recorded.</summary>
    public Task<SuperPodMigration?> SchedulingAsync(SuperPodMigration migration, PlacementLocation source, string message, CancellationToken cancellationToken) =>
        WriteAsync(migration, m =>
        {
            var s = m.Status ??= new SuperPodMigrationStatus();
            s.Phase = MigrationPhase.Scheduling;
            s.StartTime ??= Now;
            s.Source = source;
            s.Message = message;
            SetProgress(s, "Scheduling", message);
            return true;
        }, cancellationToken);

    /// <summary>Records <paramref name="node"/> in the SuperPod's lock, so the scheduler reserves its resources there.</summary>
    public async Task<bool> ReserveAsync(ObjectKey pod, SuperPodMigration migration, string node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var written = await pods.UpdateAsync(pod, p =>
        {
            if (p.Status?.Migration?.Name != migration.Metadata.Name)
            {
                return false;
            }

            var changed = p.Status.Migration.TargetNode != node;
            p.Status.Migration.TargetNode = node;
            return changed;
        }, cancellationToken);
        return written?.Status?.Migration?.TargetNode == node;
    }

    /// <summary>Moves the migration (and the SuperPod's mirror of it) to <paramref name="phase"/>; <paramref name="also"/> changes more in the same write.</summary>
    public async Task<SuperPodMigration?> EnterAsync(
        SuperPodMigration migration, ObjectKey pod, MigrationPhase phase, string message, Action<SuperPodMigrationStatus>? also, CancellationToken cancellationToken)
    {
        var written = await WriteAsync(migration, m =>
        {
            var s = m.Status!;
            s.Phase = phase;
            s.Message = message;
            also?.Invoke(s);
            SetProgress(s, phase.ToString(), message);
            return true;
        }, cancellationToken);
        await MirrorPhaseAsync(pod, migration.Metadata.Name, phase, cancellationToken);
        return written;
    }

    /// <summary>Writes the source's transfer counters; the last-progress time moves only when more bytes went.</summary>
    public Task<SuperPodMigration?> ProgressAsync(SuperPodMigration migration, MigrationReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var view = report.Status;
        var postCopy = report.PostCopyStarted || view.Phase == Agent.V1.MigrationPhase.PostCopy;
        return WriteAsync(migration, m =>
        {
            var p = m.Status!.Progress ??= new MigrationProgress();
            // Disks are mirrored before memory is copied: their bytes are progress too.
            var sent = view.BytesTransferred + view.DiskBytesTransferred;
            var remaining = view.BytesRemaining + view.DiskBytesRemaining;
            var progressed = sent > (p.BytesSent ?? -1);
            var changed = progressed || p.BytesRemaining != remaining || p.Iterations != view.Iterations
                || p.DirtyRateBytesPerSecond != view.DirtyRateBytesPerSecond || p.CpuThrottlePercent != view.CpuThrottlePercent || (p.PostCopy ?? false) != postCopy;
            p.BytesSent = sent;
            p.BytesRemaining = remaining;
            p.DirtyRateBytesPerSecond = view.DirtyRateBytesPerSecond;
            p.Iterations = view.Iterations;
            p.CpuThrottlePercent = view.CpuThrottlePercent;
            p.PostCopy = postCopy ? true : p.PostCopy;
            if (progressed)
            {
                p.LastProgressTime = Now;
            }

            return changed;
        }, cancellationToken);
    }

    /// <summary>Writes the target's received bytes as the transfer's progress (the source is silent).</summary>
    public Task<SuperPodMigration?> TargetProgressAsync(SuperPodMigration migration, MigrationReport report, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var received = report.Status.StreamPayloadBytes;
        return WriteAsync(migration, m =>
        {
            var p = m.Status!.Progress ??= new MigrationProgress();
            if (received <= (p.BytesReceived ?? -1))
            {
                return false;
            }

            p.BytesReceived = received;
            p.LastProgressTime = Now;
            m.Status.Message = message;
            return true;
        }, cancellationToken);
    }

    /// <summary>Records that the transfer switched to post-copy.</summary>
    public Task<SuperPodMigration?> PostCopyAsync(SuperPodMigration migration, string message, CancellationToken cancellationToken) =>
        WriteAsync(migration, m =>
        {
            (m.Status!.Progress ??= new MigrationProgress()).PostCopy = true;
            m.Status.Message = message;
            return true;
        }, cancellationToken);

    /// <summary>
    /// The switch-over in the API: status.node and status.ownerEpoch move to the target in one optimistic-concurrency write,
    /// only while this migration holds the SuperPod and the SuperPod is still recorded on the source at the source's epoch.
    /// Returns whether the SuperPod is recorded on the target now.
    /// </summary>
    public async Task<bool> SwitchOwnerAsync(ObjectKey pod, SuperPodMigration migration, string vmId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var status = migration.Status!;
        var (source, target) = (status.Source!, status.Target!);
        var written = await pods.UpdateAsync(pod, p =>
        {
            var s = p.Status;
            if (s?.Migration?.Name != migration.Metadata.Name || s.Node != source.Node || (s.OwnerEpoch ?? 0) != (source.Epoch ?? 0))
            {
                return false;
            }

            s.Node = target.Node;
            s.OwnerEpoch = target.Epoch;
            s.Cluster = target.Cluster;
            s.Cloud = target.Cloud;
            s.Region = target.Region;
            s.Phase = SuperPodPhase.Running;
            s.Migration.Phase = MigrationPhase.Switching;
            Conditions.Set(s.Conditions ??= [], new V1Condition
            {
                Type = ConditionTypes.Ready, Status = "True", Reason = SuperPodController.RunningReason,
                Message = $"VM {vmId} runs on node {target.Node}", ObservedGeneration = p.Metadata.Generation,
            }, timeProvider);
            return true;
        }, cancellationToken);
        return written?.Status is { } now && now.Node == target.Node && now.OwnerEpoch == target.Epoch;
    }

    /// <summary>
    /// The roll-back in the API: status.ownerEpoch moves to <paramref name="newEpoch"/> on the source, only while this
    /// migration holds the SuperPod and the API still names the source owner at its epoch (or the roll-back was written).
    /// Returns whether the SuperPod is recorded at the new epoch now.
    /// </summary>
    public async Task<bool> RollBackOwnerAsync(ObjectKey pod, SuperPodMigration migration, long newEpoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var source = migration.Status!.Source!;
        var written = await pods.UpdateAsync(pod, p =>
        {
            var s = p.Status;
            if (s?.Migration?.Name != migration.Metadata.Name || s.Node != source.Node || (s.OwnerEpoch ?? 0) != (source.Epoch ?? 0))
            {
                return false;
            }

            s.OwnerEpoch = newEpoch;
            return true;
        }, cancellationToken);
        return written?.Status is { } now && now.Node == source.Node && now.OwnerEpoch == newEpoch;
    }

    /// <summary>Ends the migration Failed or Cancelled with <paramref name="reason"/>.</summary>
    public Task<SuperPodMigration?> FinishAsync(SuperPodMigration migration, MigrationPhase phase, string reason, string message, CancellationToken cancellationToken) =>
        WriteAsync(migration, m =>
        {
            var s = m.Status ??= new SuperPodMigrationStatus();
            s.Phase = phase;
            s.FailureReason = reason;
            s.Message = message;
            s.CompletionTime = Now;
            s.TotalTime = s.StartTime is { } start ? GoDuration.Format(Now - Utc(start)) : null;
            s.Conditions ??= [];
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Ready, Status = "True", Reason = phase.ToString(), Message = message }, timeProvider);
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Failed, Status = "True", Reason = reason, Message = message }, timeProvider);
            return true;
        }, cancellationToken);

    /// <summary>Ends the migration Succeeded with its summary.</summary>
    public Task<SuperPodMigration?> SucceedAsync(SuperPodMigration migration, TransferSummary summary, string message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return WriteAsync(migration, m =>
        {
            var s = m.Status!;
            s.Phase = MigrationPhase.Succeeded;
            s.CompletionTime = Now;
            s.TotalTime = GoDuration.Format(summary.Total);
            s.Downtime = summary.Downtime is { } downtime ? GoDuration.Format(downtime) : null;
            s.Message = message;
            var p = s.Progress ??= new MigrationProgress();
            p.BytesSent = summary.BytesTransferred;
            p.BytesRemaining = 0;
            s.Conditions ??= [];
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Ready, Status = "True", Reason = nameof(MigrationPhase.Succeeded), Message = message }, timeProvider);
            Conditions.Set(s.Conditions, new V1Condition { Type = ConditionTypes.Succeeded, Status = "True", Reason = "Migrated", Message = message }, timeProvider);
            return true;
        }, cancellationToken);
    }

    /// <summary>Records whether the target's copy is gone.</summary>
    public Task<SuperPodMigration?> CleanedUpAsync(SuperPodMigration migration, bool cleaned, string reason, string message, CancellationToken cancellationToken) =>
        WriteAsync(migration, m => Conditions.Set(m.Status!.Conditions ??= [], new V1Condition
        {
            Type = TargetCleanedUp, Status = cleaned ? "True" : "False", Reason = reason, Message = message,
        }, timeProvider), cancellationToken);

    /// <summary>Releases the SuperPod's lock (when this migration holds it) and leaves a summary of the migration on it.</summary>
    public Task<SuperPod?> ReleaseAsync(ObjectKey pod, SuperPodMigration migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var status = migration.Status!;
        var succeeded = status.Phase == MigrationPhase.Succeeded;
        return pods.UpdateAsync(pod, p =>
        {
            var s = p.Status ??= new SuperPodStatus();
            var holds = s.Migration?.Name == migration.Metadata.Name;
            if (!holds && s.LastMigration?.Name == migration.Metadata.Name)
            {
                return false;
            }

            if (holds)
            {
                s.Migration = null;
                Conditions.Set(s.Conditions ??= [], new V1Condition
                {
                    Type = ConditionTypes.Migrating, Status = "False", Reason = status.Phase.ToString(),
                    Message = status.Message ?? $"SuperPodMigration {migration.Metadata.Name} {status.Phase}",
                }, timeProvider);
            }

            s.LastMigration = new MigrationRecord
            {
                Name = migration.Metadata.Name,
                Phase = status.Phase,
                Reason = migration.Spec.Reason,
                From = status.Source,
                To = succeeded ? status.Target : status.Source,
                StartTime = status.StartTime,
                CompletionTime = status.CompletionTime,
                TotalTime = status.TotalTime,
                Downtime = status.Downtime,
                BytesTransferred = status.Progress?.BytesSent,
                FailureReason = status.FailureReason,
            };
            return true;
        }, cancellationToken);
    }

    private Task<SuperPod?> MirrorPhaseAsync(ObjectKey pod, string migration, MigrationPhase phase, CancellationToken cancellationToken) =>
        pods.UpdateAsync(pod, p =>
        {
            if (p.Status?.Migration?.Name != migration || p.Status.Migration.Phase == phase)
            {
                return false;
            }

            p.Status.Migration.Phase = phase;
            return true;
        }, cancellationToken);

    private Task<SuperPodMigration?> WriteAsync(SuperPodMigration migration, Func<SuperPodMigration, bool> mutate, CancellationToken cancellationToken) =>
        migrations.UpdateAsync(ObjectKey.From(migration), mutate, cancellationToken);

    // The Ready condition of a migration in progress: False, with the phase (or what it waits for) as the reason.
    private bool SetProgress(SuperPodMigrationStatus status, string reason, string message) =>
        Conditions.Set(status.Conditions ??= [], new V1Condition { Type = ConditionTypes.Ready, Status = "False", Reason = reason, Message = message }, timeProvider);

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
}
