using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.NodeAgent.Registration;

/// <summary>
/// The heartbeat: a <c>coordination.k8s.io/v1</c> Lease named after the node, held by the node and owned by its
/// SuperNode (deleting the SuperNode deletes the Lease). Like kubelet's node lease, it is renewed from the last
/// copy the agent wrote and re-read only after a conflict or a failure.
/// </summary>
/// <param name="client">The Kubernetes API.</param>
/// <param name="agent">The node name.</param>
/// <param name="options">Namespace and duration of the Lease.</param>
/// <param name="timeProvider">The clock for renewTime.</param>
public sealed class NodeLease(IKubernetes client, NodeAgentOptions agent, NodeRegistrationOptions options, TimeProvider timeProvider)
{
    private V1Lease? _lease;

    /// <summary>
    /// Sets renewTime to now, creating the Lease when missing (then returns true); retries once after a 409 conflict
    /// with a fresh read.
    /// </summary>
    public async Task<bool> RenewAsync(SuperNode owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owner);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                _lease ??= await ReadAsync(cancellationToken);
                if (_lease is null)
                {
                    _lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(
                        Fill(new V1Lease { Metadata = new V1ObjectMeta { Name = agent.NodeName, NamespaceProperty = options.LeaseNamespace } }, owner),
                        options.LeaseNamespace, fieldManager: NodeRegistrationOptions.FieldManager, cancellationToken: cancellationToken);
                    return true;
                }

                _lease = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(
                    Fill(_lease, owner), agent.NodeName, options.LeaseNamespace,
                    fieldManager: NodeRegistrationOptions.FieldManager, cancellationToken: cancellationToken);
                return false;
            }
            catch (HttpOperationException e) when (attempt == 0 && e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
            {
                // Someone else wrote the Lease (or deleted it, or created it first): start again from what is stored.
                _lease = null;
            }
            catch
            {
                _lease = null;
                throw;
            }
        }
    }

    private async Task<V1Lease?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoordinationV1.ReadNamespacedLeaseAsync(agent.NodeName, options.LeaseNamespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private V1Lease Fill(V1Lease lease, SuperNode owner)
    {
        lease.Spec ??= new V1LeaseSpec();
        lease.Spec.HolderIdentity = agent.NodeName;
        lease.Spec.LeaseDurationSeconds = (int)Math.Ceiling(options.LeaseDuration.TotalSeconds);
        lease.Spec.RenewTime = timeProvider.GetUtcNow().UtcDateTime;
        var references = lease.Metadata.OwnerReferences ?? [];
        // A SuperNode deleted and re-created has a new uid: the reference must follow it, or the garbage collector
        // would delete the Lease of the living node.
        var others = references.Where(r => !(r.Kind == SuperNode.KubeKind && r.ApiVersion == SuperCloudApi.GroupVersion)).ToList();
        others.Add(new V1OwnerReference { ApiVersion = SuperCloudApi.GroupVersion, Kind = SuperNode.KubeKind, Name = owner.Metadata.Name, Uid = owner.Metadata.Uid });
        lease.Metadata.OwnerReferences = others;
        return lease;
    }
}
