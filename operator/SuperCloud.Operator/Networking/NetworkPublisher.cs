using System.Collections.Concurrent;
using Grpc.Core;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Runtime;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Networking;

/// <summary>
/// Publishes where every SuperPod interface lives to every node's agent, level-based and keyed by SuperNode: it builds
/// the overlay table from the caches (<see cref="NetworkTable"/>), pushes it with ApplyNetwork when the agent's
/// generation differs, re-asks every <see cref="NetworkPublisherOptions.ResyncPeriod"/>, and records the outcome in the
/// SuperNode's NetworkReady condition (the SuperPod controller carries it to the SuperPods of that node).
/// </summary>
public sealed class NetworkPublisher(
    Informer<SuperNode> nodes, Informer<SuperPod> pods, Informer<SuperCluster> clusters, StatusWriter<SuperNode> status,
    AgentClientFactory agents, NetworkPublisherOptions options, TimeProvider time, ILogger<NetworkPublisher> logger) : IReconciler
{
    /// <summary>NetworkReady reason when the agent installed the current table.</summary>
    public const string ProgrammedReason = "Programmed";

    /// <summary>NetworkReady reason when the agent cannot be reached.</summary>
    public const string AgentUnreachableReason = "AgentUnreachable";

    private readonly ConcurrentDictionary<string, Acknowledged> _acknowledged = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var node = nodes.Cache.Get(key);
        if (node is null || string.IsNullOrEmpty(node.Spec?.AgentEndpoint))
        {
            _acknowledged.TryRemove(key.Name, out _);
            return ReconcileResult.Done;
        }

        var config = NetworkTable.Build(OverlayCatalog.Build(clusters.Cache.List()), pods.Cache.List(), nodes.Cache.List());
        var now = time.GetUtcNow();
        if (_acknowledged.TryGetValue(key.Name, out var known) && known.Generation == config.Generation && known.Ready && now - known.At < options.ResyncPeriod)
        {
            return ReconcileResult.After(options.ResyncPeriod - (now - known.At));
        }

        var agent = agents.Client(node);
        V1.NetworkStatus reply;
        try
        {
            reply = await agent.GetNetworkStatusAsync(new V1.GetNetworkStatusRequest(), deadline: agents.Deadline(), cancellationToken: cancellationToken);
            if (reply.Generation != config.Generation || (!reply.Ready && reply.Reason != "NetworkDisabled"))
            {
                reply = await agent.ApplyNetworkAsync(config, deadline: agents.Deadline(), cancellationToken: cancellationToken);
                if (logger.IsEnabled(LogLevel.Information))
                {
                    logger.LogInformation(
                        "Pushed network generation {Generation} ({Endpoints} interfaces) to node {Node}: {Outcome}",
                        config.Generation, config.Endpoints.Count, key.Name, reply.Ready && reply.Generation == config.Generation ? "installed" : $"{reply.Reason}: {reply.Message}");
                }
            }
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
        {
            _acknowledged.TryRemove(key.Name, out _);
            await SetConditionAsync(key, "Unknown", AgentUnreachableReason, $"the node agent at {node.Spec.AgentEndpoint} is unreachable: {e.StatusCode} {e.Status.Detail}", cancellationToken);
            return new ReconcileResult(Requeue: true);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            await SetConditionAsync(key, "False", "Unsupported", $"the node agent at {node.Spec.AgentEndpoint} has no overlay network (ApplyNetwork is unimplemented)", cancellationToken);
            return ReconcileResult.After(options.ResyncPeriod);
        }

        var current = reply.Generation == config.Generation && reply.Ready;
        _acknowledged[key.Name] = new Acknowledged(reply.Generation, current, now);
        if (current)
        {
            await SetConditionAsync(key, "True", ProgrammedReason, $"generation {config.Generation} installed: {reply.Message}", cancellationToken);
            return ReconcileResult.After(options.ResyncPeriod);
        }

        var reason = string.IsNullOrEmpty(reply.Reason) ? "NotProgrammed" : reply.Reason;
        var message = reply.Generation == config.Generation || string.IsNullOrEmpty(reply.Generation)
            ? $"generation {config.Generation}: {reply.Message}"
            : $"generation {config.Generation} not installed ({reply.Message}); generation {reply.Generation} stays in force";
        await SetConditionAsync(key, "False", reason, message, cancellationToken);

        // A node without the overlay stays so until its agent is reconfigured: look again at the resync, not sooner.
        return reason == "NetworkDisabled" ? ReconcileResult.After(options.ResyncPeriod) : new ReconcileResult(Requeue: true);
    }

    private Task<SuperNode?> SetConditionAsync(ObjectKey key, string conditionStatus, string reason, string message, CancellationToken cancellationToken) =>
        status.SetConditionAsync(key, new V1Condition { Type = ConditionTypes.NetworkReady, Status = conditionStatus, Reason = reason, Message = message }, cancellationToken);

    private sealed record Acknowledged(string Generation, bool Ready, DateTimeOffset At);
}
