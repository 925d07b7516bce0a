using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Tests.Migrations;

/// <summary>
/// The vocabulary of the decision table: every kind of answer each agent can give about a migration, every state of the
/// SuperPod, and observations built from them, for a migration from "src" (epoch 4) to "dst" (epoch 5).
/// </summary>
internal static class DecideWorld
{
    public const long SourceEpoch = 4;
    public const long TargetEpoch = 5;

    /// <summary>What the source agent may say, by name.</summary>
    public static readonly IReadOnlyDictionary<string, AgentView> Sources = new Dictionary<string, AgentView>
    {
        ["not asked"] = AgentView.NotAsked,
        ["node missing"] = new AgentView.NodeMissing("node src does not exist or has no agent endpoint"),
        ["unreachable"] = new AgentView.Unreachable("DeadlineExceeded: deadline exceeded"),
        ["knows nothing"] = new AgentView.NotFound("no VM"),
        ["never started"] = Report("src", new V1.MigrationStatus { Phase = V1.MigrationPhase.Unknown, Vm = Vm(V1.VmState.Running, SourceEpoch) }),
        ["sending"] = Report("src", Source(V1.MigrationPhase.Transferring, V1.VmState.Running, bytes: 10 << 20)),
        ["sending, no progress"] = Report("src", Source(V1.MigrationPhase.Transferring, V1.VmState.Running, bytes: 0)),
        ["post-copy running"] = Report("src", Source(V1.MigrationPhase.PostCopy, V1.VmState.Paused, postCopy: true, handedOver: true, vmState: V1.VmMigrationState.PostCopyOut)),
        ["completed"] = Report("src", Source(V1.MigrationPhase.Completed, V1.VmState.Paused, handedOver: true, vmState: V1.VmMigrationState.MigratedOut)),
        ["switched"] = Report("src", Source(V1.MigrationPhase.Switched, V1.VmState.Paused, handedOver: true, vmState: V1.VmMigrationState.MigratedOut)),
        ["failed, VM kept"] = Report("src", Source(V1.MigrationPhase.Failed, V1.VmState.Running, reason: V1.MigrationFailureReason.HypervisorFailed)),
        ["failed, connection lost"] = Report("src", Source(V1.MigrationPhase.Failed, V1.VmState.Running, reason: V1.MigrationFailureReason.ConnectionLost)),
        ["cancelled, VM kept"] = Report("src", Source(V1.MigrationPhase.Cancelled, V1.VmState.Running, reason: V1.MigrationFailureReason.Cancelled)),
        ["restarted, VM kept"] = Report("src", Source(V1.MigrationPhase.Failed, V1.VmState.Running, reason: V1.MigrationFailureReason.AgentRestarted)),
        ["restarted, settling"] = Report("src", Source(V1.MigrationPhase.Unknown, V1.VmState.Paused)),
        ["post-copy broke"] = Report("src", Source(V1.MigrationPhase.Failed, V1.VmState.Paused, postCopy: true, handedOver: true, reason: V1.MigrationFailureReason.PostCopyFailed, vmState: V1.VmMigrationState.PostCopyOut)),
        ["post-copy paused"] = Report("src", Source(V1.MigrationPhase.PostCopy, V1.VmState.Paused, postCopy: true, handedOver: true, vmState: V1.VmMigrationState.PostCopyOut,
            hypervisor: V1.HypervisorMigrationState.PostcopyPaused)),
        ["rolled back, runs"] = Report("src", new V1.MigrationStatus { Role = V1.MigrationRole.Source, Phase = V1.MigrationPhase.Cancelled, Vm = Vm(V1.VmState.Running, TargetEpoch + 1) }),
    };

    /// <summary>What the target agent may say, by name.</summary>
    public static readonly IReadOnlyDictionary<string, AgentView> Targets = new Dictionary<string, AgentView>
    {
        ["not asked"] = AgentView.NotAsked,
        ["node missing"] = new AgentView.NodeMissing("node dst does not exist or has no agent endpoint"),
        ["unreachable"] = new AgentView.Unreachable("Unavailable: connection refused"),
        ["knows nothing"] = new AgentView.NotFound("no migration and no VM"),
        ["no record, VM unknown"] = Report("dst", new V1.MigrationStatus { Phase = V1.MigrationPhase.Unknown }),
        ["prepared"] = Report("dst", Target(V1.MigrationPhase.Prepared, V1.VmState.Paused, V1.VmMigrationState.Incoming, V1.HypervisorMigrationState.None)),
        ["receiving"] = Report("dst", Target(V1.MigrationPhase.Transferring, V1.VmState.Paused, V1.VmMigrationState.Incoming, V1.HypervisorMigrationState.Active, received: 40 << 20)),
        ["receiving, stalled"] = Report("dst", Target(V1.MigrationPhase.Transferring, V1.VmState.Paused, V1.VmMigrationState.Incoming, V1.HypervisorMigrationState.Active, received: 30 << 20)),
        ["loaded"] = Report("dst", Target(V1.MigrationPhase.Transferring, V1.VmState.Paused, V1.VmMigrationState.Incoming, V1.HypervisorMigrationState.Completed)),
        ["runs"] = Report("dst", Target(V1.MigrationPhase.Switched, V1.VmState.Running, V1.VmMigrationState.None, V1.HypervisorMigrationState.Completed)),
        ["runs, pulling pages"] = Report("dst", Target(V1.MigrationPhase.Switched, V1.VmState.Running, V1.VmMigrationState.None, V1.HypervisorMigrationState.PostcopyActive)),
        ["runs, post-copy broke"] = Report("dst", Target(V1.MigrationPhase.Switched, V1.VmState.Running, V1.VmMigrationState.None, V1.HypervisorMigrationState.PostcopyPaused, V1.MigrationFailureReason.PostCopyFailed)),
        ["restarted, runs"] = Report("dst", new V1.MigrationStatus { Role = V1.MigrationRole.Target, Phase = V1.MigrationPhase.Unknown, Vm = Vm(V1.VmState.Running, TargetEpoch) }),
        ["failed"] = Report("dst", Target(V1.MigrationPhase.Failed, V1.VmState.Paused, V1.VmMigrationState.Incoming, V1.HypervisorMigrationState.Failed, V1.MigrationFailureReason.StreamCorrupted)),
        ["copy crashed"] = Report("dst", Target(V1.MigrationPhase.Failed, V1.VmState.Crashed, V1.VmMigrationState.None, V1.HypervisorMigrationState.Failed, V1.MigrationFailureReason.AgentRestarted)),
        ["aborted"] = Report("dst", new V1.MigrationStatus { Role = V1.MigrationRole.Target, Phase = V1.MigrationPhase.Aborted, FailureReason = V1.MigrationFailureReason.Aborted, TargetEpoch = TargetEpoch }),
    };

    /// <summary>The SuperPod, by name.</summary>
    public static readonly IReadOnlyDictionary<string, PodView> Pods = new Dictionary<string, PodView>
    {
        ["missing"] = PodView.Missing("default/web"),
        ["deleting"] = Pod(PodOwner.Source) with { Deleting = true },
        ["held by another migration"] = Pod(PodOwner.Source) with { LockHolder = "other", HoldsLock = false },
        ["not locked"] = Pod(PodOwner.Source) with { LockHolder = null, HoldsLock = false },
        ["starting"] = Pod(PodOwner.Source) with { LockHolder = null, HoldsLock = false, Phase = SuperPodPhase.Starting },
        ["stopped"] = Pod(PodOwner.Source) with { LockHolder = null, HoldsLock = false, Phase = SuperPodPhase.Stopped },
        ["on source"] = Pod(PodOwner.Source),
        ["on target"] = Pod(PodOwner.Target) with { Node = "dst", OwnerEpoch = TargetEpoch },
        ["rolled back"] = Pod(PodOwner.RolledBack) with { OwnerEpoch = TargetEpoch + 1 },
        ["elsewhere"] = Pod(PodOwner.Other) with { Node = "third", OwnerEpoch = 9 },
    };

    /// <summary>Observations of a migration from src to dst in the middle of its transfer, with <paramref name="pod"/>, both nodes Ready.</summary>
    public static MigrationObservations Observations(string pod = "on source", string source = "not asked", string target = "not asked") => new()
    {
        Pod = Pods[pod],
        Source = Sources[source],
        Target = Targets[target],
        SourceNode = new NodeView("src", true, true, false),
        TargetNode = new NodeView("dst", true, true, false),
        SourceEpoch = SourceEpoch,
        TargetEpoch = TargetEpoch,
        Limits = EffectiveMigrationLimits.Defaults,
        CompletionTimeout = TimeSpan.FromSeconds(150),
        SinceStart = TimeSpan.FromSeconds(20),
        SinceProgress = TimeSpan.FromSeconds(2),
        BytesSent = 1 << 20,
        BytesReceived = 30 << 20,
        SchedulingTimeout = TimeSpan.FromSeconds(30),
        AgentUnreachableTimeout = TimeSpan.FromSeconds(60),
        HasFinalizer = true,
    };

    /// <summary>A SuperPod held by the migration, recorded per <paramref name="owner"/>.</summary>
    public static PodView Pod(PodOwner owner) =>
        new("default/web", true, false, "m", true, "src", SuperPodPhase.Running, SourceEpoch, owner);

    private static AgentView.Answered Report(string node, V1.MigrationStatus status) => new(new MigrationReport(node, status));

    private static V1.MigrationStatus Source(
        V1.MigrationPhase phase, V1.VmState vm, long bytes = 10 << 20, bool postCopy = false, bool handedOver = false,
        V1.MigrationFailureReason reason = V1.MigrationFailureReason.Unspecified, V1.VmMigrationState vmState = V1.VmMigrationState.Outgoing,
        V1.HypervisorMigrationState hypervisor = V1.HypervisorMigrationState.Active) => new()
    {
        Role = V1.MigrationRole.Source, Phase = phase, BytesTransferred = bytes, PostCopyStarted = postCopy, HandedOver = handedOver, FailureReason = reason, HypervisorState = hypervisor,
        SourceEpoch = SourceEpoch, TargetEpoch = TargetEpoch, Vm = Vm(vm, SourceEpoch, vmState), Message = $"source {phase}",
    };

    private static V1.MigrationStatus Target(
        V1.MigrationPhase phase, V1.VmState vm, V1.VmMigrationState vmState, V1.HypervisorMigrationState hypervisor,
        V1.MigrationFailureReason reason = V1.MigrationFailureReason.Unspecified, long received = 0) => new()
    {
        Role = V1.MigrationRole.Target, Phase = phase, HypervisorState = hypervisor, FailureReason = reason, TargetEpoch = TargetEpoch, StreamPayloadBytes = received,
        Vm = Vm(vm, TargetEpoch, vmState), Message = $"target {phase}",
    };

    private static V1.Vm Vm(V1.VmState state, long epoch, V1.VmMigrationState migration = V1.VmMigrationState.None) =>
        new() { Id = "vm", State = state, Epoch = epoch, MigrationState = migration };
}
