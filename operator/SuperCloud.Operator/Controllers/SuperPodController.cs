using Grpc.Core;
using k8s.Models;
using SuperCloud.Agent.V1;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Images;
using SuperCloud.Operator.Networking;
using SuperCloud.Operator.Runtime;
using AgentVmSpec = SuperCloud.Agent.V1.VmSpec;

namespace SuperCloud.Operator.Controllers;

/// <summary>
/// Runs bound SuperPods on the agent of their node (status.node, written by the scheduler), level-based: it reads the VM
/// on the agent, creates it from the spec when missing, starts or stops it per runStrategy, and mirrors the agent's state
/// into status.phase and the Ready condition. The VM id on the agent is the SuperPod's metadata.uid: a DNS label, unique
/// across namespaces, and never reused by a new SuperPod of the same name. Finalizer <see cref="Finalizer"/> makes deletion
/// wait until the VM is gone from the agent. The VM is only ever created on status.node's agent, from images resolved to
/// digests in status.images and pulled on that node first.
/// </summary>
public sealed partial class SuperPodController(
    Informer<SuperPod> pods, Informer<SuperNode> nodes, ResourceClient<SuperPod> client, StatusWriter<SuperPod> status,
    AgentClientFactory agents, ImageResolver images, EventRecorder events, SuperPodControllerOptions options, TimeProvider timeProvider,
    ILogger<SuperPodController> logger, SuperPodNetworking network) : IReconciler
{
    /// <summary>The finalizer that keeps a SuperPod until its VM is deleted from its node.</summary>
    public const string Finalizer = "supercloud.dev/vm";

    /// <summary>Ready reason (and Warning event) when the node's agent cannot be reached.</summary>
    public const string AgentUnreachableReason = "AgentUnreachable";

    /// <summary>Ready reason when status.node names no SuperNode.</summary>
    public const string NodeNotFoundReason = "NodeNotFound";

    /// <summary>Ready reason (and Warning event) when the agent rejects the VM's spec.</summary>
    public const string InvalidSpecReason = "InvalidSpec";

    /// <summary>Ready reason (and Warning event) when the agent refuses the SuperPod's ownership epoch.</summary>
    public const string StaleEpochReason = "StaleEpoch";

    /// <summary>Event reason: the VM was defined on the agent.</summary>
    public const string CreatedReason = "Created";

    /// <summary>Event reason: the VM was started.</summary>
    public const string StartedReason = "Started";

    /// <summary>Event reason: the VM was stopped.</summary>
    public const string StoppedReason = "Stopped";

    /// <summary>Event reason: the VM was deleted from its node.</summary>
    public const string DeletedReason = "Deleted";

    /// <summary>Ready reason while the VM runs.</summary>
    public const string RunningReason = "Running";

    /// <summary>Ready reason while the VM boots.</summary>
    public const string StartingReason = "Starting";

    /// <summary>Ready reason when the VM crashed.</summary>
    public const string CrashedReason = "Crashed";

    /// <summary>Ready reason while the VM is paused.</summary>
    public const string PausedReason = "Paused";

    /// <summary>The id of <paramref name="pod"/>'s VM on its agent: metadata.uid.</summary>
    public static string VmId(SuperPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var uid = pod.Metadata?.Uid;
        return string.IsNullOrEmpty(uid) ? throw new ArgumentException("SuperPod metadata.uid must be set", nameof(pod)) : uid.ToLowerInvariant();
    }

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pod = pods.Cache.Get(key);
        if (pod is null)
        {
            return ReconcileResult.Done;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            return await FinalizeAsync(key, pod, cancellationToken);
        }

        pod = await Finalizers.EnsureAsync(client, pod, Finalizer, cancellationToken);
        if (pod.Status?.Migration is not null)
        {
            // The migration controller owns the VM while it moves (the source pauses at the end, the target starts paused):
            // starting, stopping or mirroring here would fight it. Its release of status.migration brings the SuperPod back.
            return ReconcileResult.Done;
        }

        // Images first: a tag that does not resolve is the author's to fix, wherever the SuperPod lands.
        (pod, var unresolved) = await ResolveImagesAsync(key, pod, cancellationToken);
        if (unresolved is { } wait)
        {
            return wait;
        }

        var nodeName = pod.Status?.Node;
        if (string.IsNullOrEmpty(nodeName))
        {
            // Binding is the scheduler's job; its status write re-triggers us.
            return ReconcileResult.Done;
        }

        var node = nodes.Cache.Get(new ObjectKey(null, nodeName));
        if (node is null || string.IsNullOrEmpty(node.Spec?.AgentEndpoint))
        {
            await SetStatusAsync(key, null, Ready("False", NodeNotFoundReason, $"node {nodeName} does not exist or has no spec.agentEndpoint"), cancellationToken);
            return ReconcileResult.After(options.ResyncPeriod);
        }

        // The VM's NICs carry the interfaces' addresses: they are allocated before it is created.
        (pod, var refusal) = await network.EnsureAddressesAsync(key, pod, node, cancellationToken);
        var agent = agents.Client(node);
        var id = VmId(pod);

        // The agent runs the VM only under the epoch the API names owner, never one older than it has seen.
        var epoch = pod.Status?.OwnerEpoch ?? 0;
        try
        {
            var vm = await GetVmAsync(agent, id, cancellationToken);
            var runStrategy = pod.Spec.RunStrategy ?? RunStrategy.Always;
            if (vm is null && refusal is not null)
            {
                await SetStatusAsync(key, null, Ready("False", refusal.Reason!, $"the VM is not created until its addresses are resolved: {refusal.Message}"), cancellationToken);
                return ReconcileResult.After(options.ResyncPeriod);
            }

            if (vm is null)
            {
                if (ResolvedImages(pod) is not { } resolved || BuildSpec(pod, id) is not { } spec)
                {
                    // The status write that resolved the images re-triggers us with them.
                    return ReconcileResult.After(options.PullingRequeue);
                }

                if (await PullImagesAsync(key, pod, agent, nodeName, resolved, cancellationToken) is { } pulling)
                {
                    return pulling;
                }

                try
                {
                    vm = await agent.CreateVmAsync(new CreateVmRequest { Spec = spec, Epoch = epoch }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                }
                catch (RpcException e) when (e.StatusCode is StatusCode.InvalidArgument or StatusCode.ResourceExhausted or StatusCode.FailedPrecondition)
                {
                    var message = $"node {nodeName} rejected VM {id}: {e.Status.Detail}";
                    await events.WarningAsync(pod, InvalidSpecReason, message, cancellationToken);
                    await SetStatusAsync(key, SuperPodPhase.Failed, Ready("False", InvalidSpecReason, message), cancellationToken);
                    return ReconcileResult.After(options.ResyncPeriod);
                }

                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation("Created VM {Id} of SuperPod {Key} on node {Node}", id, key, nodeName);
                }

                await events.NormalAsync(pod, CreatedReason, $"Created VM {id} on node {nodeName}", cancellationToken);
            }

            if (ShouldStart(runStrategy, vm.State))
            {
                try
                {
                    vm = await agent.StartVmAsync(new VmRequest { Id = id, Epoch = epoch }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
                {
                    // The agent's ownership record refuses this epoch: a newer copy of the VM exists (or existed) elsewhere.
                    var message = $"node {nodeName} refuses to start VM {id} under epoch {epoch}: {e.Status.Detail}";
                    await events.WarningAsync(pod, StaleEpochReason, message, cancellationToken);
                    await SetStatusAsync(key, null, Ready("False", StaleEpochReason, message), cancellationToken);
                    return ReconcileResult.After(options.ResyncPeriod);
                }

                await events.NormalAsync(pod, StartedReason, $"Started VM {id} on node {nodeName}", cancellationToken);
            }
            else if (runStrategy == RunStrategy.Halted && vm.State is VmState.Running or VmState.Paused)
            {
                vm = await agent.StopVmAsync(new VmRequest { Id = id }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                await events.NormalAsync(pod, StoppedReason, $"Stopped VM {id} on node {nodeName} (runStrategy Halted)", cancellationToken);
            }

            var (phase, ready) = Mirror(vm, runStrategy, nodeName);
            await SetStatusAsync(key, phase, ready, cancellationToken);
            return phase == SuperPodPhase.Starting ? ReconcileResult.After(options.StartingRequeue) : ReconcileResult.After(options.ResyncPeriod);
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
        {
            return await UnreachableAsync(key, pod, nodeName, node.Spec.AgentEndpoint, e, cancellationToken);
        }
    }

    private async Task<ReconcileResult> FinalizeAsync(ObjectKey key, SuperPod pod, CancellationToken cancellationToken)
    {
        if (!Finalizers.Has(pod, Finalizer))
        {
            return ReconcileResult.Done;
        }

        if (pod.Status?.Migration is not null)
        {
            // The migration controller cancels the move of a deleted SuperPod and drops the target's copy first.
            return ReconcileResult.After(options.StartingRequeue);
        }

        var nodeName = pod.Status?.Node;
        if (!string.IsNullOrEmpty(nodeName))
        {
            var node = nodes.Cache.Get(new ObjectKey(null, nodeName));
            if (node is not null && !string.IsNullOrEmpty(node.Spec?.AgentEndpoint))
            {
                var agent = agents.Client(node);
                var id = VmId(pod);
                try
                {
                    if (await GetVmAsync(agent, id, cancellationToken) is not null)
                    {
                        // Stop first so the guest gets the hypervisor's orderly power-off before its definition goes.
                        await IgnoreNotFoundAsync(agent.StopVmAsync(new VmRequest { Id = id }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
                        await IgnoreNotFoundAsync(agent.DeleteVmAsync(new VmRequest { Id = id }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
                        if (logger.IsEnabled(LogLevel.Information))
                        {
                            logger.LogInformation("Deleted VM {Id} of SuperPod {Key} from node {Node}", id, key, nodeName);
                        }

                        await events.NormalAsync(pod, DeletedReason, $"Deleted VM {id} from node {nodeName}", cancellationToken);
                    }
                }
                catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
                {
                    // Keep the finalizer: the VM may still run there, and releasing the name would let it be forgotten.
                    return await UnreachableAsync(key, pod, nodeName, node.Spec.AgentEndpoint, e, cancellationToken);
                }
            }
            else
            {
                // With the SuperNode gone there is no agent to ask; its removal is the node lifecycle's decision.
                await events.WarningAsync(pod, NodeNotFoundReason, $"node {nodeName} no longer exists; the VM could not be deleted from it", cancellationToken);
            }
        }

        // The VM is gone: its addresses are free again (before the finalizer goes, so none is forgotten by a crash).
        await network.ReleaseAsync(pod, cancellationToken);
        try
        {
            await Finalizers.RemoveAsync(client, pod, Finalizer, cancellationToken);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            // Already gone.
        }

        return ReconcileResult.Done;
    }

    private async Task<ReconcileResult> UnreachableAsync(ObjectKey key, SuperPod pod, string node, string endpoint, RpcException error, CancellationToken cancellationToken)
    {
        var message = $"node agent of {node} at {endpoint} is unreachable: {error.StatusCode} {error.Status.Detail}";
        logger.LogWarning("SuperPod {Key}: {Message}", key, message);
        await events.WarningAsync(pod, AgentUnreachableReason, message, cancellationToken);

        // A SuperPod declared lost with its node keeps saying so: the unreachable agent is the cause, not news.
        var lost = pod.Status?.Phase == SuperPodPhase.Failed
            && Conditions.Find(pod.Status.Conditions, ConditionTypes.Ready)?.Reason == SuperNodeHealthReconciler.NodeLostReason;
        if (pod.Metadata.DeletionTimestamp is null && !lost)
        {
            await SetStatusAsync(key, null, Ready("False", AgentUnreachableReason, message), cancellationToken);
        }

        // Through the rate limiter: the delay grows per consecutive failure, up to MaxBackoff.
        return new ReconcileResult(Requeue: true);
    }

    private async Task<Vm?> GetVmAsync(NodeAgent.NodeAgentClient agent, string id, CancellationToken cancellationToken)
    {
        try
        {
            return await agent.GetVmAsync(new VmRequest { Id = id }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task IgnoreNotFoundAsync<T>(Task<T> call)
    {
        try
        {
            await call;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Already gone: the goal of the call.
        }
    }

    private Task<SuperPod?> SetStatusAsync(ObjectKey key, SuperPodPhase? phase, V1Condition ready, CancellationToken cancellationToken) =>
        status.UpdateAsync(
            key,
            p =>
            {
                var s = p.Status ??= new SuperPodStatus();
                var changed = false;
                if (phase is not null && s.Phase != phase)
                {
                    s.Phase = phase;
                    changed = true;
                }

                s.Conditions ??= [];
                ready.ObservedGeneration = p.Metadata.Generation;
                return Conditions.Set(s.Conditions, ready, timeProvider) | changed;
            },
            cancellationToken);

    private static bool ShouldStart(RunStrategy runStrategy, VmState state) => runStrategy switch
    {
        RunStrategy.Always => state is VmState.Created or VmState.Stopped or VmState.Crashed,

        // KubeVirt's RerunOnFailure: boot once, restart after a crash but not after a clean guest shutdown.
        RunStrategy.RerunOnFailure => state is VmState.Created or VmState.Crashed,
        _ => false,
    };

    private static (SuperPodPhase Phase, V1Condition Ready) Mirror(Vm vm, RunStrategy runStrategy, string node)
    {
        var detail = string.IsNullOrEmpty(vm.Message) ? vm.Reason : $"{vm.Reason}: {vm.Message}";
        return vm.State switch
        {
            VmState.Running => (SuperPodPhase.Running, Ready("True", RunningReason, $"VM {vm.Id} runs on node {node}")),
            VmState.Paused => (SuperPodPhase.Running, Ready("False", PausedReason, $"VM {vm.Id} is paused on node {node}")),
            VmState.Crashed when runStrategy is RunStrategy.Halted or RunStrategy.Manual =>
                (SuperPodPhase.Failed, Ready("False", CrashedReason, $"VM {vm.Id} crashed on node {node}: {detail}")),
            VmState.Crashed => (SuperPodPhase.Starting, Ready("False", CrashedReason, $"VM {vm.Id} crashed on node {node} and is restarted: {detail}")),
            VmState.Created when runStrategy is RunStrategy.Always or RunStrategy.RerunOnFailure =>
                (SuperPodPhase.Starting, Ready("False", StartingReason, $"VM {vm.Id} is starting on node {node}")),
            _ => (SuperPodPhase.Stopped, Ready("False", StoppedReason, $"VM {vm.Id} is stopped on node {node} (runStrategy {runStrategy})")),
        };
    }

    private static V1Condition Ready(string status, string reason, string message) =>
        new() { Type = ConditionTypes.Ready, Status = status, Reason = reason, Message = message };

    /// <summary>
    /// The agent's VM spec for <paramref name="pod"/>, naming its images by the digests in status.images (the same on every
    /// node and in every migration), or null while status.images does not cover the spec's images.
    /// </summary>
    internal static AgentVmSpec? BuildSpec(SuperPod pod, string id)
    {
        if (ResolvedImages(pod) is not { } resolved)
        {
            return null;
        }

        // A fractional CPU (500m) still needs one vCPU; memory is rounded up to whole MiB.
        var vcpus = (int)Math.Max(1, Math.Ceiling(pod.Spec.Resources.Cpu.ToDecimal()));
        var memoryMib = (long)Math.Ceiling(pod.Spec.Resources.Memory.ToDecimal() / (1024 * 1024));
        var spec = new AgentVmSpec
        {
            Id = id,
            Vcpus = vcpus,
            MemoryMib = memoryMib,
            Boot = new Boot { Image = Reference(resolved[BootImageName]), Cmdline = pod.Spec.Boot.Cmdline ?? string.Empty },
        };

        // One NIC per overlay interface with its addresses (status.interfaces), the same on every host it moves to.
        spec.Nics.AddRange(SuperPodNetworking.Nics(pod, id));
        if (spec.Nics.Count > 0)
        {
            spec.Hostname = SuperPodNetworking.Hostname(pod);
        }

        foreach (var disk in pod.Spec.Disks ?? [])
        {
            spec.Disks.Add(new Disk
            {
                Name = disk.Name,
                Image = string.IsNullOrEmpty(disk.Image) ? null : Reference(resolved[disk.Name]),
                SizeBytes = disk.Size is { } size ? (long)Math.Ceiling(size.ToDecimal()) : 0,
            });
        }

        if (pod.Spec.CloudInit is { } cloudInit)
        {
            // The instance-id is the uid: the same wherever the SuperPod moves, new when it is created anew.
            spec.CloudInit = new CloudInit
            {
                InstanceId = id,
                Hostname = pod.Metadata.Name,
                UserData = cloudInit.UserData ?? string.Empty,
                NetworkData = cloudInit.NetworkData ?? string.Empty,
            };
        }

        return spec;
    }

    private static ImageReference Reference(SuperCloud.Images.ImageSource source) => new() { Repository = source.Name, Digest = source.Digest.ToString() };
}
