using Google.Protobuf;
using Grpc.Core;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Agents;
using SuperCloud.Operator.Controllers;
using SuperCloud.Operator.Runtime;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Migrations;

/// <summary>
/// The migration controller's way to the node agents: it finds a node's agent from the SuperNode cache and turns every
/// answer into a typed view or outcome — an error status is never read as information about the VM, and an answer from
/// an agent that names itself another node is treated as no answer.
/// </summary>
public sealed class AgentGateway(Informer<SuperNode> nodes, AgentClientFactory agents)
{
    /// <summary>The node as the cache shows it.</summary>
    public NodeView Node(string? name)
    {
        if (string.IsNullOrEmpty(name) || nodes.Cache.Get(new ObjectKey(null, name)) is not { } node)
        {
            return NodeView.Missing(name ?? "");
        }

        var fenced = node.Metadata.Annotations?.TryGetValue(NodeHealthOptions.FencedAnnotation, out var value) == true
            && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
        return new NodeView(name, !string.IsNullOrEmpty(node.Spec?.AgentEndpoint), node.Status?.Phase == SuperNodePhase.Ready, fenced);
    }

    /// <summary>The agent endpoint of <paramref name="node"/>, or null.</summary>
    public string? Endpoint(string? node) =>
        string.IsNullOrEmpty(node) ? null : nodes.Cache.Get(new ObjectKey(null, node))?.Spec?.AgentEndpoint is { Length: > 0 } endpoint ? endpoint : null;

    /// <summary>How <paramref name="node"/>'s agent sees the migration.</summary>
    public async Task<AgentView> ObserveAsync(string? node, MigrationRef migration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var outcome = await CallAsync(node, client => client.GetMigrationAsync(migration.Request(), deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
        return outcome switch
        {
            AgentOutcome.Done { Report: { } report } => new AgentView.Answered(report),
            AgentOutcome.NodeMissing missing => new AgentView.NodeMissing(missing.Detail),
            AgentOutcome.NotFound notFound => new AgentView.NotFound(notFound.Detail),
            _ => new AgentView.Unreachable(outcome.Detail),
        };
    }

    /// <summary>
    /// Has the target define its copy at <paramref name="epoch"/> and wait for the stream. A copy of the VM left there by
    /// an earlier migration (one that does not run) is removed first.
    /// </summary>
    public async Task<AgentOutcome> PrepareTargetAsync(
        string node, MigrationRef migration, V1.VmSpec spec, string sourceNode, ByteString token, V1.MigrationOptions options, long epoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var request = new V1.PrepareMigrationTargetRequest { MigrationId = migration.MigrationId, Token = token, Spec = spec, SourceNode = sourceNode, Options = options, Epoch = epoch };
        var prepared = await CallAsync(node, client => client.PrepareMigrationTargetAsync(request, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
        if (prepared is not (AgentOutcome.Busy or AgentOutcome.Refused))
        {
            return prepared;
        }

        var leftover = await CallAsync(node, client => client.GetVmAsync(new V1.VmRequest { Id = migration.VmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
        if (leftover is not AgentOutcome.Done { Report.Status.Vm: { } vm })
        {
            return prepared;
        }

        if (vm.State == V1.VmState.Running)
        {
            return new AgentOutcome.Refused($"VM {migration.VmId} already runs on {node}; refusing to start a second copy there");
        }

        var deleted = await DeleteVmAsync(node, migration.VmId, cancellationToken);
        return deleted is AgentOutcome.Done
            ? await CallAsync(node, client => client.PrepareMigrationTargetAsync(request, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync)
            : deleted;
    }

    /// <summary>Has the source connect to the target and send its copy at <paramref name="sourceEpoch"/>.</summary>
    public Task<AgentOutcome> StartSourceAsync(
        string node, MigrationRef migration, string targetNode, string targetEndpoint, ByteString token, V1.MigrationOptions options,
        long sourceEpoch, long targetEpoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var request = new V1.StartMigrationSourceRequest
        {
            MigrationId = migration.MigrationId, VmId = migration.VmId, Token = token, TargetNode = targetNode, TargetEndpoint = targetEndpoint,
            Options = options, SourceEpoch = sourceEpoch, TargetEpoch = targetEpoch,
        };
        return CallAsync(node, client => client.StartMigrationSourceAsync(request, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
    }

    /// <summary>
    /// Recovers a post-copy that lost its stream: the target listens for it again (for <paramref name="token"/>), then the
    /// source connects and resumes sending. The target's outcome when it fails, else the source's.
    /// </summary>
    public async Task<AgentOutcome> RecoverPostCopyAsync(
        string source, string target, MigrationRef migration, ByteString token, V1.MigrationOptions options, long targetEpoch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(migration);
        var listening = await CallAsync(target, client => client.RecoverMigrationTargetAsync(new V1.RecoverMigrationTargetRequest
        {
            MigrationId = migration.MigrationId, VmId = migration.VmId, Token = token, SourceNode = source, Epoch = targetEpoch, Options = options,
        }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
        if (listening is not AgentOutcome.Done || Endpoint(target) is not { } endpoint)
        {
            return listening;
        }

        return await CallAsync(source, client => client.RecoverMigrationSourceAsync(new V1.RecoverMigrationSourceRequest
        {
            MigrationId = migration.MigrationId, VmId = migration.VmId, Token = token, TargetNode = target, TargetEndpoint = endpoint, Options = options,
        }, deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);
    }

    /// <summary>Switches the source's transfer to post-copy.</summary>
    public Task<AgentOutcome> StartPostCopyAsync(string node, MigrationRef migration, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.StartPostCopyAsync(migration.Request(), deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Cancels the source's transfer (refused once it handed the VM over).</summary>
    public Task<AgentOutcome> CancelSourceAsync(string node, MigrationRef migration, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.CancelMigrationAsync(migration.Request(), deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Has the target abort the migration for good; Done with an ABORTED report is the evidence a roll-back needs.</summary>
    public Task<AgentOutcome> AbortTargetAsync(string node, MigrationRef migration, long epoch, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.AbortMigrationTargetAsync(migration.Request(epoch), deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Has the target resume its loaded copy at <paramref name="epoch"/>.</summary>
    public Task<AgentOutcome> CompleteTargetAsync(string node, MigrationRef migration, long epoch, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.CompleteMigrationTargetAsync(migration.Request(epoch), deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Has the source resume its copy at <paramref name="epoch"/> under <paramref name="newEpoch"/>.</summary>
    public Task<AgentOutcome> RollBackSourceAsync(string node, MigrationRef migration, long epoch, long newEpoch, CancellationToken cancellationToken) =>
        CallAsync(node, client => client.RollBackMigrationSourceAsync(migration.Request(epoch, newEpoch), deadline: agents.Deadline(), cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Deletes <paramref name="vmId"/>'s copy on <paramref name="node"/>; a copy already gone counts as done.</summary>
    public async Task<AgentOutcome> DeleteVmAsync(string node, string vmId, CancellationToken cancellationToken)
    {
        var outcome = await CallAsync(node, async client =>
        {
            await client.DeleteVmAsync(new V1.VmRequest { Id = vmId }, deadline: agents.Deadline(), cancellationToken: cancellationToken);
            return (V1.MigrationStatus?)null;
        });
        return outcome is AgentOutcome.NotFound ? new AgentOutcome.Done(null) : outcome;
    }

    private Task<AgentOutcome> CallAsync(string? node, Func<V1.NodeAgent.NodeAgentClient, Task<V1.Vm>> call) =>
        CallAsync(node, async client => new V1.MigrationStatus { Vm = await call(client) });

    private async Task<AgentOutcome> CallAsync(string? node, Func<V1.NodeAgent.NodeAgentClient, Task<V1.MigrationStatus?>> call)
    {
        if (Endpoint(node) is not { } endpoint)
        {
            return new AgentOutcome.NodeMissing($"node {(string.IsNullOrEmpty(node) ? "(none)" : node)} does not exist or has no agent endpoint");
        }

        try
        {
            // The channel checks that the agent at the endpoint presents this node's identity.
            var status = await call(agents.Client(node!, endpoint));
            if (status is null)
            {
                return new AgentOutcome.Done(null);
            }

            // An agent that says it is another node is not this node's agent: its word counts for nothing here.
            if (status.NodeName is { Length: > 0 } answering && answering != node)
            {
                return new AgentOutcome.Unreachable($"the agent at {endpoint} is node {answering}, not {node}");
            }

            return new AgentOutcome.Done(new MigrationReport(node!, status));
        }
        catch (RpcException e) when (AgentClientFactory.IsUnreachable(e))
        {
            return new AgentOutcome.Unreachable($"{e.StatusCode}: {e.Status.Detail}");
        }
        catch (RpcException e)
        {
            return e.StatusCode switch
            {
                StatusCode.NotFound => new AgentOutcome.NotFound(e.Status.Detail),
                StatusCode.FailedPrecondition => new AgentOutcome.Refused(e.Status.Detail),
                StatusCode.AlreadyExists => new AgentOutcome.Busy(e.Status.Detail),
                StatusCode.ResourceExhausted => new AgentOutcome.Full(e.Status.Detail),
                StatusCode.InvalidArgument or StatusCode.Unimplemented => new AgentOutcome.Invalid(e.Status.Detail),

                // Any other error: the agent answered, but nothing can be concluded from it.
                _ => new AgentOutcome.Unreachable($"{e.StatusCode}: {e.Status.Detail}"),
            };
        }
    }
}
