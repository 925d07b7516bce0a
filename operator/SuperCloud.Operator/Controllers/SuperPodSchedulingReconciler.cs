using k8s;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Controllers;

/// <summary>
/// Binds SuperPods without status.node to a node the <see cref="Scheduler"/> picks from a snapshot of the informer caches.
/// The bind is a /status replace carrying the cached resourceVersion: a 409 means someone else changed the SuperPod, so the
/// assumption is dropped and the key requeued — a SuperPod is never bound twice. Unschedulable SuperPods get the FitError
/// message in their Scheduled condition and are retried with backoff, and at once when nodes or clusters change.
/// </summary>
public sealed class SuperPodSchedulingReconciler : IReconciler
{
    /// <summary>Condition reason and Event reason of a successful placement.</summary>
    public const string ScheduledReason = "Scheduled";

    /// <summary>Condition reason of a SuperPod no node fits.</summary>
    public const string UnschedulableReason = "Unschedulable";

    /// <summary>Event reason of a failed scheduling attempt (kube-scheduler's).</summary>
    public const string FailedSchedulingReason = "FailedScheduling";

    /// <summary>Condition reason of a SuperPod whose spec cannot be scheduled as written.</summary>
    public const string InvalidSpecReason = "InvalidSpec";

    private readonly Informer<SuperPod> _pods;
    private readonly Informer<SuperNode> _nodes;
    private readonly Informer<SuperCluster> _clusters;
    private readonly Informer<StubResource> _stubs;
    private readonly ResourceClient<SuperPod> _client;
    private readonly StatusWriter<SuperPod> _statusWriter;
    private readonly EventRecorder _events;
    private readonly SchedulingControllerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Scheduler _scheduler;
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectKey, int> _attempts = [];
    private ClusterSnapshot? _snapshot;

    /// <summary>Creates the reconciler and subscribes to the caches it keeps its snapshot in step with.</summary>
    public SuperPodSchedulingReconciler(
        Informer<SuperPod> pods, Informer<SuperNode> nodes, Informer<SuperCluster> clusters, Informer<StubResource> stubs,
        ResourceClient<SuperPod> client, StatusWriter<SuperPod> statusWriter, EventRecorder events, SchedulerOptions schedulerOptions,
        SchedulingControllerOptions options, TimeProvider timeProvider, ILogger<SuperPodSchedulingReconciler> logger)
    {
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(stubs);
        _pods = pods;
        _nodes = nodes;
        _clusters = clusters;
        _stubs = stubs;
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _statusWriter = statusWriter ?? throw new ArgumentNullException(nameof(statusWriter));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _scheduler = new Scheduler(schedulerOptions);

        // Any change of nodes, clusters or stubs invalidates the snapshot; a SuperPod change only when the snapshot does not
        // already hold it where the API says it is (our own binds arrive as no-ops because they were assumed).
        nodes.AddHandler(new ResourceEventHandler<SuperNode>(_ => Invalidate(), (_, _) => Invalidate(), _ => Invalidate()));
        clusters.AddHandler(new ResourceEventHandler<SuperCluster>(_ => Invalidate(), (_, _) => Invalidate(), _ => Invalidate()));
        stubs.AddHandler(new ResourceEventHandler<StubResource>(_ => Invalidate(), (_, _) => Invalidate(), _ => Invalidate()));
        pods.AddHandler(new ResourceEventHandler<SuperPod>(PodChanged, (_, p) => PodChanged(p), PodDeleted));
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pod = _pods.Cache.Get(key);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null || !string.IsNullOrEmpty(pod.Status?.Node)
            || pod.Status?.Phase == SuperPodPhase.Failed || pod.Spec.RunStrategy == RunStrategy.Halted)
        {
            // Deleted, leaving, bound, failed for good, or not meant to run: nothing to place.
            lock (_lock)
            {
                _attempts.Remove(key);
            }

            return ReconcileResult.Done;
        }

        SchedulingDecision decision;
        lock (_lock)
        {
            _snapshot ??= ClusterSnapshot.Build(_clusters.Cache.List(), _nodes.Cache.List(), _pods.Cache.List(), _stubs.Cache.List());
            PodRequest request;
            try
            {
                request = PodRequest.From(pod, _snapshot);
            }
            catch (ArgumentException e)
            {
                throw new TerminalReconcileException(InvalidSpecReason, $"SuperPod {key}: {e.Message}");
            }

            decision = _scheduler.ScheduleAndAssume(request, _snapshot);
        }

        return decision.Node is { } node
            ? await BindAsync(pod, node, decision, cancellationToken)
            : await ReportUnschedulableAsync(pod, decision, cancellationToken);
    }

    private async Task<ReconcileResult> BindAsync(SuperPod cached, NodeInfo node, SchedulingDecision decision, CancellationToken cancellationToken)
    {
        var key = ObjectKey.From(cached);

        // Work on a copy: cached objects are shared with every other reader.
        var pod = KubernetesJson.Deserialize<SuperPod>(KubernetesJson.Serialize(cached));
        var status = pod.Status ??= new SuperPodStatus();
        status.Node = node.Name;

        // A new copy of the VM is created there: it runs under the next ownership epoch (any copy left elsewhere, from a
        // node that was lost and fenced, holds an older one and is refused by its agent).
        status.OwnerEpoch = (status.OwnerEpoch ?? 0) + 1;
        status.Cluster = node.ClusterName;
        status.Cloud = node.Cluster?.Provider;
        status.Region = node.Cluster?.Region;
        status.Phase = SuperPodPhase.Scheduled;
        status.ObservedGeneration = pod.Metadata.Generation;
        status.Conditions ??= [];
        Conditions.Set(
            status.Conditions,
            new V1Condition
            {
                Type = ConditionTypes.Scheduled, Status = "True", Reason = ScheduledReason, Message = decision.Message,
                ObservedGeneration = pod.Metadata.Generation,
            },
            _timeProvider);
        try
        {
            // The cached resourceVersion is the precondition: the write only lands on the version we saw without a node.
            await _client.ReplaceAsync(pod, "status", cancellationToken);
        }
        catch (Exception e)
        {
            lock (_lock)
            {
                _snapshot?.Forget(key);
            }

            if (e is KubernetesApiException { IsConflict: true })
            {
                if (_logger.IsEnabled(LogLevel.Information))
                {
                    _logger.LogInformation("Binding of SuperPod {Key} to {Node} conflicted; requeueing", key, node.Name);
                }

                return new ReconcileResult(Requeue: true);
            }

            throw;
        }

        lock (_lock)
        {
            _attempts.Remove(key);
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("Scheduled SuperPod {Key}: {Message}", key, decision.Message);
        }

        await _events.NormalAsync(cached, ScheduledReason, $"Successfully assigned {key} to {node.Name}", cancellationToken);
        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> ReportUnschedulableAsync(SuperPod cached, SchedulingDecision decision, CancellationToken cancellationToken)
    {
        var key = ObjectKey.From(cached);
        var message = decision.Message;
        await _statusWriter.UpdateAsync(
            key,
            pod =>
            {
                if (!string.IsNullOrEmpty(pod.Status?.Node))
                {
                    return false;
                }

                var status = pod.Status ??= new SuperPodStatus();
                var changed = status.Phase is null;
                status.Phase ??= SuperPodPhase.Pending;
                status.Conditions ??= [];
                changed |= Conditions.Set(
                    status.Conditions,
                    new V1Condition
                    {
                        Type = ConditionTypes.Scheduled, Status = "False", Reason = UnschedulableReason, Message = message,
                        ObservedGeneration = pod.Metadata.Generation,
                    },
                    _timeProvider);
                return changed;
            },
            cancellationToken);
        await _events.WarningAsync(cached, FailedSchedulingReason, message, cancellationToken);
        int attempts;
        lock (_lock)
        {
            attempts = _attempts[key] = _attempts.GetValueOrDefault(key) + 1;
        }

        if (_logger.IsEnabled(LogLevel.Information))
        {
            _logger.LogInformation("SuperPod {Key} is unschedulable (attempt {Attempt}): {Message}", key, attempts, message);
        }

        var delay = _options.InitialBackoff * Math.Pow(2, Math.Min(attempts - 1, 30));
        return ReconcileResult.After(delay < _options.MaxBackoff ? delay : _options.MaxBackoff);
    }

    private void Invalidate()
    {
        lock (_lock)
        {
            _snapshot = null;
        }
    }

    private void PodChanged(SuperPod pod)
    {
        var key = ObjectKey.From(pod);
        var node = ClusterSnapshot.HoldsResources(pod) ? pod.Status!.Node : null;
        var target = node is null ? null : pod.Status!.Migration?.TargetNode is { Length: > 0 } t && t != node ? t : null;
        lock (_lock)
        {
            if (_snapshot is not null
                && (_snapshot.Placement(key)?.Node.Name != node || _snapshot.Placement(ClusterSnapshot.MigrationReservation(key))?.Node.Name != target))
            {
                _snapshot = null;
            }
        }
    }

    private void PodDeleted(SuperPod pod)
    {
        var key = ObjectKey.From(pod);
        lock (_lock)
        {
            _snapshot?.Forget(key);
            _snapshot?.Forget(ClusterSnapshot.MigrationReservation(key));
            _attempts.Remove(key);
        }
    }
}
