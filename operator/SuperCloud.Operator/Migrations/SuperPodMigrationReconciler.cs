using k8s.Models;
using SuperCloud.Crds;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// Runs SuperPodMigrations through Pending → Scheduling → PreparingTarget → Transferring → Switching → Succeeded, or to
/// Failed or Cancelled. Every step reads what is (the caches, the agents) and is safe to repeat, so an operator restart in
/// any phase resumes where it was. The SuperPod's status.migration is the lock (one migration per SuperPod, taken with
/// optimistic concurrency) and reserves the target's resources for the scheduler. Fencing: the agents resume the target
/// only after the source's hypervisor completed the transfer (its VM then stays paused for good); status.node moves
/// after the target is confirmed running; the source VM is deleted only after that. A failure before the switch-over
/// leaves the VM running on the source and the target's VM is deleted.
/// </summary>
public sealed partial class SuperPodMigrationReconciler(
    Informer<SuperPodMigration> migrations, Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters,
    Informer<StubResource> stubs, Informer<MigrationPolicy> policies, Informer<V1Namespace> namespaces,
    ResourceClient<SuperPodMigration> client, ResourceClient<SuperPod> podClient, StatusWriter<SuperPodMigration> migrationStatus, StatusWriter<SuperPod> podStatus,
    AgentClientFactory agents, EventRecorder events, MigrationControllerOptions options, MigrationMetrics metrics, Failpoints failpoints,
    TimeProvider timeProvider, ILogger<SuperPodMigrationReconciler> logger) : IReconciler
{
    /// <summary>The finalizer that keeps a SuperPodMigration until the agents let go of it (cancelled, cleaned up).</summary>
    public const string Finalizer = "supercloud.dev/migration";

    /// <summary>Migrations by the SuperPod they move (namespace/name).</summary>
    public const string BySuperPod = "spec.superPod";

    /// <summary>The failpoint that kills the operator just before it records the named phase.</summary>
    public const string BeforePhaseFailpoint = "migration.before";

    private const int MaxStepsPerReconcile = 8;
    private readonly Scheduler _scheduler = new();
    private readonly Lock _admission = new();

    // Migrations admitted (written as Scheduling) whose write the cache may not show yet, so two workers never both take
    // the last slot.
    private readonly Dictionary<string, string> _admitted = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var migration = migrations.Cache.Get(key);
        if (migration is null)
        {
            ForgetAdmission(key);
            return ReconcileResult.Done;
        }

        if (migration.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(migration, cancellationToken);
        }

        if (IsFinished(migration.Status?.Phase))
        {
            return await AfterFinishAsync(migration, cancellationToken);
        }

        migration = await Finalizers.EnsureAsync(client, migration, Finalizer, cancellationToken);
        return await AdvanceAsync(migration, cancelRequested: false, cancellationToken);
    }

    /// <summary>True for Succeeded, Failed and Cancelled.</summary>
    public static bool IsFinished(MigrationPhase? phase) => phase is MigrationPhase.Succeeded or MigrationPhase.Failed or MigrationPhase.Cancelled;

    /// <summary>True for the phases that hold a slot: Scheduling to Switching.</summary>
    public static bool IsActive(MigrationPhase? phase) =>
        phase is MigrationPhase.Scheduling or MigrationPhase.PreparingTarget or MigrationPhase.Transferring or MigrationPhase.Switching;

    // Runs phase after phase until one has to wait; each step returns the migration as written, or a result to wait.
    private async Task<ReconcileResult> AdvanceAsync(SuperPodMigration migration, bool cancelRequested, CancellationToken cancellationToken)
    {
        for (var step = 0; step < MaxStepsPerReconcile; step++)
        {
            var context = Context(migration);
            var next = migration.Status?.Phase switch
            {
                null or MigrationPhase.Pending => cancelRequested
                    ? await FailAsync(context, MigrationPhase.Cancelled, "Cancelled", "the SuperPodMigration was deleted before it started", cancellationToken)
                    : await PendingAsync(context, cancellationToken),
                MigrationPhase.Scheduling => cancelRequested
                    ? await FailAsync(context, MigrationPhase.Cancelled, "Cancelled", "the SuperPodMigration was deleted before the transfer started", cancellationToken)
                    : await ScheduleAsync(context, cancellationToken),
                MigrationPhase.PreparingTarget => await PrepareAsync(context, cancelRequested, cancellationToken),
                MigrationPhase.Transferring => await TransferAsync(context, cancelRequested, cancellationToken),
                MigrationPhase.Switching => await SwitchAsync(context, cancellationToken),
                _ => Step.Wait(ReconcileResult.Done),
            };
            if (next.Migration is null)
            {
                return next.Result;
            }

            migration = next.Migration;
            if (IsFinished(migration.Status?.Phase))
            {
                return cancelRequested ? await FinalizeAsync(migration, cancellationToken) : await AfterFinishAsync(migration, cancellationToken);
            }
        }

        return new ReconcileResult(Requeue: true);
    }

    private async Task<Step> PendingAsync(MigrationContext context, CancellationToken cancellationToken)
    {
        var (migration, pod) = (context.Migration, context.Pod);
        if (pod is null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "SuperPodNotFound", $"SuperPod {context.PodKey} does not exist", cancellationToken);
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return await FailAsync(context, MigrationPhase.Failed, "SuperPodDeleted", $"SuperPod {context.PodKey} is being deleted", cancellationToken);
        }

        if (pod.Status?.Migration?.Name is { Length: > 0 } other && other != migration.Metadata.Name)
        {
            return await WaitAsync(context, "WaitingForMigration", $"SuperPod {context.PodKey} is being moved by SuperPodMigration {other}; this one waits for it", cancellationToken);
        }

        var phase = pod.Status?.Phase;
        if (string.IsNullOrEmpty(pod.Status?.Node) || phase != SuperPodPhase.Running)
        {
            return phase is null or SuperPodPhase.Pending or SuperPodPhase.Scheduled or SuperPodPhase.Starting
                ? await WaitAsync(context, "SuperPodNotRunning", $"SuperPod {context.PodKey} is {phase?.ToString() ?? "not scheduled yet"}; the migration starts once it runs", cancellationToken)
                : await FailAsync(context, MigrationPhase.Failed, "SuperPodNotRunning", $"SuperPod {context.PodKey} is {phase}: only a running SuperPod migrates live", cancellationToken);
        }

        if (context.LimitsError is { } invalid)
        {
            return await FailAsync(context, MigrationPhase.Failed, "InvalidLimits", invalid, cancellationToken);
        }

        var source = pod.Status.Node;
        if (migration.Spec.Target?.Node is { } wanted && wanted == source)
        {
            return await FailAsync(context, MigrationPhase.Failed, "InvalidTarget", $"spec.target.node: SuperPod {context.PodKey} already runs on {wanted}", cancellationToken);
        }

        if (Admit(migration, source) is { } full)
        {
            return await WaitAsync(context, "WaitingForSlot", full, cancellationToken);
        }

        // The lock: status.migration names this migration, written only where it names none (or already this one).
        var taken = false;
        var locked = await podStatus.UpdateAsync(
            context.PodKey,
            p =>
            {
                var s = p.Status;
                if (s?.Migration?.Name is { Length: > 0 } holder && holder != migration.Metadata.Name)
                {
                    return false;
                }

                if (s is null || s.Node != source || s.Phase != SuperPodPhase.Running)
                {
                    return false;
                }

                taken = true;
                s.Migration ??= new CurrentMigration { Name = migration.Metadata.Name };
                s.Migration.Phase = MigrationPhase.Scheduling;
                s.Conditions ??= [];
                Conditions.Set(s.Conditions, new V1Condition
                {
                    Type = ConditionTypes.Migrating, Status = "True", Reason = "Migrating",
                    Message = $"SuperPodMigration {migration.Metadata.Name} moves it from {source}",
                }, timeProvider);
                return true;
            },
            cancellationToken);
        if (locked is null || !taken)
        {
            ForgetAdmission(ObjectKey.From(migration));
            return Step.Wait(ReconcileResult.After(options.PendingRequeue));
        }

        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.Scheduling));
        var sourceNode = nodes.Cache.Get(new ObjectKey(null, source));
        var written = await WriteAsync(migration, m =>
        {
            var s = m.Status ??= new SuperPodMigrationStatus();
            s.Phase = MigrationPhase.Scheduling;
            s.StartTime ??= Now;
            s.Source = new PlacementLocation { Node = source, Cluster = locked.Status!.Cluster, Cloud = locked.Status.Cloud, Region = locked.Status.Region };
            s.Message = $"choosing a target for SuperPod {context.PodKey} (from {source}{(sourceNode is null ? "" : $" in {sourceNode.Spec.Cluster}")})";
            SetProgressCondition(s, "Scheduling", s.Message);
            return true;
        }, cancellationToken);
        return Step.Next(written);
    }

    private async Task<Step> ScheduleAsync(MigrationContext context, CancellationToken cancellationToken)
    {
        var migration = context.Migration;
        if (await LockLostAsync(context, cancellationToken) is { } lost)
        {
            return lost;
        }

        var pod = context.Pod!;
        var source = migration.Status!.Source!.Node!;
        NodeInfo? chosen;
        string message;
        if (pod.Status!.Migration!.TargetNode is { Length: > 0 } reserved)
        {
            // Chosen before a restart: keep it.
            var snapshot = Snapshot();
            chosen = snapshot.Node(reserved);
            message = $"target {reserved} (chosen earlier)";
            if (chosen is null)
            {
                return await FailAsync(context, MigrationPhase.Failed, "TargetNodeNotFound", $"the chosen target node {reserved} no longer exists", cancellationToken);
            }
        }
        else
        {
            SchedulingDecision decision;
            lock (_scheduler)
            {
                var snapshot = Snapshot();
                var request = PodRequest.From(pod, snapshot).ForMigration(migration.Spec.Target, source, ClusterSnapshot.MigrationReservation(context.PodKey));
                decision = _scheduler.Schedule(request, snapshot);
            }

            if (decision.Node is not { } node)
            {
                // Room may appear (a node becomes Ready, another migration ends) as kube-scheduler retries a pending pod.
                var reason = migration.Spec.Target?.Node is null ? "NoTarget" : "TargetUnschedulable";
                var unschedulable = $"no node can take SuperPod {context.PodKey}: {decision.Message}";
                if (Now - Utc(migration.Status!.StartTime ?? Now) < options.SchedulingTimeout)
                {
                    await WriteAsync(migration, m =>
                    {
                        var changed = m.Status!.Message != unschedulable;
                        m.Status.Message = unschedulable;
                        return SetProgressCondition(m.Status, "Unschedulable", unschedulable) | changed;
                    }, cancellationToken);
                    return Step.Wait(ReconcileResult.After(options.PendingRequeue));
                }

                return await FailAsync(context, MigrationPhase.Failed, reason,
                    $"{unschedulable} (for {GoDuration.Format(options.SchedulingTimeout)})", cancellationToken);
            }

            chosen = node;
            message = decision.Message;
            var reservedNow = await podStatus.UpdateAsync(context.PodKey, p =>
            {
                if (p.Status?.Migration?.Name != migration.Metadata.Name)
                {
                    return false;
                }

                p.Status.Migration.TargetNode = node.Name;
                return true;
            }, cancellationToken);
            if (reservedNow?.Status?.Migration?.TargetNode != node.Name)
            {
                return await FailAsync(context, MigrationPhase.Failed, "SuperPodChanged", $"SuperPod {context.PodKey} changed while its target was chosen", cancellationToken);
            }
        }

        await events.NormalAsync(migration, "TargetChosen", $"Moving SuperPod {context.PodKey} from {source} to {chosen.Name}: {message}", cancellationToken);
        failpoints.Hit(BeforePhaseFailpoint, nameof(MigrationPhase.PreparingTarget));
        var written = await WriteAsync(migration, m =>
        {
            var s = m.Status!;
            s.Phase = MigrationPhase.PreparingTarget;
            s.Target = new PlacementLocation { Node = chosen.Name, Cluster = chosen.ClusterName, Cloud = chosen.Cluster?.Provider, Region = chosen.Cluster?.Region };
            s.Message = $"preparing {chosen.Name} to receive SuperPod {context.PodKey}";
            SetProgressCondition(s, "PreparingTarget", s.Message);
            return true;
        }, cancellationToken);
        await MirrorPhaseAsync(context, MigrationPhase.PreparingTarget, cancellationToken);
        return Step.Next(written);
    }

    private ClusterSnapshot Snapshot() =>
        ClusterSnapshot.Build(clusters.Cache.List(), nodes.Cache.List(), pods.Cache.List(), stubs.Cache.List());

    // Counts the migrations holding a slot (cluster-wide and leaving the source node) and takes one if both have room.
    private string? Admit(SuperPodMigration migration, string sourceNode)
    {
        var uid = migration.Metadata.Uid ?? migration.Metadata.Name;
        lock (_admission)
        {
            if (_admitted.ContainsKey(uid))
            {
                return null;
            }

            var active = migrations.Cache.List()
                .Where(m => IsActive(m.Status?.Phase) && (m.Metadata.Uid ?? m.Metadata.Name) != uid)
                .Select(m => (Uid: m.Metadata.Uid ?? m.Metadata.Name, Node: m.Status!.Source?.Node ?? ""))
                .ToDictionary(m => m.Uid, m => m.Node, StringComparer.Ordinal);
            foreach (var (admittedUid, node) in _admitted)
            {
                active.TryAdd(admittedUid, node);
            }

            if (active.Count >= options.MaxParallelMigrations)
            {
                return $"{active.Count} migrations are running, the cluster-wide limit is {options.MaxParallelMigrations}; waiting for a slot";
            }

            var outbound = active.Values.Count(n => n == sourceNode);
            if (outbound >= options.MaxOutboundPerNode)
            {
                return $"{outbound} migrations are leaving {sourceNode}, the per-node limit is {options.MaxOutboundPerNode}; waiting for a slot";
            }

            _admitted[uid] = sourceNode;
            return null;
        }
    }

    // Drops admissions the cache now accounts for (or that ended): those of finished or deleted migrations, and those
    // the cache shows active. The migration behind key is dropped unless the cache shows it still waiting to start.
    private void ForgetAdmission(ObjectKey key)
    {
        lock (_admission)
        {
            var live = migrations.Cache.List().ToDictionary(m => m.Metadata.Uid ?? m.Metadata.Name, m => m, StringComparer.Ordinal);
            foreach (var uid in _admitted.Keys.ToList())
            {
                if (!live.TryGetValue(uid, out var m) || IsFinished(m.Status?.Phase) || IsActive(m.Status?.Phase)
                    || (m.Metadata.NamespaceProperty == key.Namespace && m.Metadata.Name == key.Name))
                {
                    _admitted.Remove(uid);
                }
            }
        }
    }

    private MigrationContext Context(SuperPodMigration migration)
    {
        var podKey = new ObjectKey(migration.Metadata.NamespaceProperty, migration.Spec.SuperPod);
        var pod = pods.Cache.Get(podKey);
        EffectiveMigrationLimits limits;
        string? limitsError = null;
        try
        {
            var namespaceLabels = namespaces.Cache.Get(new ObjectKey(null, podKey.Namespace ?? ""))?.Metadata.Labels;
            var policy = pod is null ? null : MigrationLimitsResolver.PolicyFor(pod, namespaceLabels?.AsReadOnly(), policies.Cache.List());
            limits = MigrationLimitsResolver.Resolve(migration.Spec.Limits, policy);
        }
        catch (FormatException e)
        {
            limits = EffectiveMigrationLimits.Defaults;
            limitsError = e.Message;
        }

        return new MigrationContext(migration, podKey, pod, limits, limitsError);
    }

    private DateTime Now => timeProvider.GetUtcNow().UtcDateTime;

    /// <summary>What one reconcile of a migration works with.</summary>
    private sealed record MigrationContext(SuperPodMigration Migration, ObjectKey PodKey, SuperPod? Pod, EffectiveMigrationLimits Limits, string? LimitsError)
    {
        public string Id => Migration.Metadata.Uid ?? throw new InvalidOperationException($"SuperPodMigration {Migration.Metadata.Name} has no metadata.uid");

        public string VmId => SuperPodController.VmId(Pod!);
    }

    /// <summary>The outcome of one step: the migration as written (continue), or a result to wait with.</summary>
    private readonly record struct Step(SuperPodMigration? Migration, ReconcileResult Result)
    {
        public static Step Next(SuperPodMigration? migration) =>
            migration is null ? new Step(null, ReconcileResult.Done) : new Step(migration, default);

        public static Step Wait(ReconcileResult result) => new(null, result);
    }
}
