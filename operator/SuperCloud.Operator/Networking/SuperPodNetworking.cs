using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using SuperCloud.Crds.Networking;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.Operator.Networking;

/// <summary>
/// A SuperPod's side of the overlay, for the SuperPod controller: its interfaces' addresses (allocated in the
/// <see cref="AddressBook"/> once it is bound, recorded in status.interfaces and status.ip), its NetworkReady condition
/// (the allocation's outcome, then its node's NetworkReady), the NICs of its VM, and the release of its addresses when
/// it is deleted.
/// </summary>
public sealed class SuperPodNetworking(
    AddressBook addresses, Informer<SuperCluster> clusters, StatusWriter<SuperPod> status, EventRecorder events, TimeProvider time)
{
    /// <summary>NetworkReady reason while the interfaces have their addresses and the node's switch is programmed.</summary>
    public const string ReadyReason = "Ready";

    /// <summary>NetworkReady reason while the node's agent has not installed the overlay (or failed to).</summary>
    public const string NodeNotReadyReason = "NodeNetworkNotReady";

    /// <summary>The reasons of a refused allocation: the SuperPod's VM is not created until it is resolved.</summary>
    public static readonly IReadOnlySet<string> AllocationReasons = new HashSet<string>(StringComparer.Ordinal)
    {
        "AddressConflict", "InvalidAddress", "NetworkNotFound", "NoPool", "PoolExhausted",
    };

    /// <summary>
    /// Gives <paramref name="pod"/>'s interfaces their addresses (idempotent) and records them with NetworkReady; returns
    /// the SuperPod as written and the refusal, if any (then status.interfaces keeps what it had).
    /// </summary>
    public async Task<(SuperPod Pod, AllocationOutcome? Refusal)> EnsureAddressesAsync(ObjectKey key, SuperPod pod, SuperNode node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        if (pod.Spec.Networks is not { Count: > 0 } networks)
        {
            return (pod, null);
        }

        var catalog = OverlayCatalog.Build(clusters.Cache.List());
        var outcome = await addresses.AllocateAsync(pod, node.Spec.Cluster, catalog, cancellationToken);

        // An interface taken out of spec.networks gives its address back.
        var stale = (pod.Status?.Interfaces ?? []).Where(i => !networks.Any(n => n.Name == i.Name && (n.Overlay ?? "default") == i.Overlay)).ToList();
        if (stale.Count > 0)
        {
            await addresses.ReleaseAsync(pod.Metadata.Uid, networks.Select(n => (n.Overlay ?? "default", n.Name)).ToList(), cancellationToken);
        }

        if (!outcome.Succeeded)
        {
            var condition = Condition("False", outcome.Reason!, outcome.Message!);
            if (Conditions.Find(pod.Status?.Conditions, ConditionTypes.NetworkReady)?.Message != outcome.Message)
            {
                await events.WarningAsync(pod, outcome.Reason!, outcome.Message!, cancellationToken);
            }

            var refused = await status.UpdateAsync(key, p =>
            {
                var s = p.Status ??= new SuperPodStatus();
                s.Conditions ??= [];
                condition.ObservedGeneration = p.Metadata.Generation;
                return Conditions.Set(s.Conditions, condition, time);
            }, cancellationToken);
            return (refused ?? pod, outcome);
        }

        var ready = NodeCondition(outcome.Interfaces, node);
        var written = await status.UpdateAsync(key, p =>
        {
            var s = p.Status ??= new SuperPodStatus();
            var changed = !Same(s.Interfaces, outcome.Interfaces) || s.Ip != outcome.Interfaces[0].Ip;
            s.Interfaces = [.. outcome.Interfaces];
            s.Ip = outcome.Interfaces[0].Ip;
            s.Conditions ??= [];
            ready.ObservedGeneration = p.Metadata.Generation;
            return Conditions.Set(s.Conditions, ready, time) | changed;
        }, cancellationToken);
        return (written ?? pod, null);
    }

    /// <summary>Gives back every address <paramref name="pod"/> holds (it is being deleted and its VM is gone).</summary>
    public Task ReleaseAsync(SuperPod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return addresses.ReleaseAsync(pod.Metadata.Uid, [], cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="pod"/>'s NetworkReady no longer says what its node's does: a change of the node's switch
    /// reaches the SuperPods on it (a refused allocation is the SuperPod's own matter and stays).
    /// </summary>
    public static bool NeedsNodeUpdate(SuperPod pod, SuperNode node)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        var current = Conditions.Find(pod.Status?.Conditions, ConditionTypes.NetworkReady);
        if (pod.Spec.Networks is not { Count: > 0 } || pod.Status?.Interfaces is not { Count: > 0 } interfaces
            || (current is not null && AllocationReasons.Contains(current.Reason)))
        {
            return false;
        }

        var expected = NodeCondition(interfaces.ToList(), node);
        return current is null || current.Status != expected.Status || current.Reason != expected.Reason;
    }

    /// <summary>The VM NICs of <paramref name="pod"/>: one per interface with an address in status.interfaces.</summary>
    public static IEnumerable<V1.Nic> Nics(SuperPod pod, string vmId)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var interfaces = pod.Status?.Interfaces ?? [];
        for (var i = 0; i < interfaces.Count; i++)
        {
            var nic = interfaces[i];
            if (nic.Ip is null || nic.Mac is null || !Ipv4Prefix.TryParse(nic.Cidr, out var pool, out _))
            {
                continue;
            }

            yield return new V1.Nic
            {
                TapDevice = TapName(vmId, i),
                Mac = nic.Mac,
                Ip = nic.Ip,
                PrefixLength = pool.Length,
                Gateway = Ipv4Prefix.FormatAddress(pool.Network + 1),
                Mtu = nic.Mtu ?? OverlayCatalog.DefaultMtu,
            };
        }
    }

    /// <summary>The guest's host name: the SuperPod's name, as a DNS label.</summary>
    public static string Hostname(SuperPod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var name = pod.Metadata.Name.Replace('.', '-');
        return name.Length <= 63 ? name : name[..63].TrimEnd('-');
    }

    /// <summary>
    /// The host tap of NIC <paramref name="index"/> of VM <paramref name="vmId"/>: <c>sc</c>, ten hex digits of the id's
    /// SHA-256 and the index — 15 characters at most, the same on every host (so the target of a migration plugs it as the source did).
    /// </summary>
    public static string TapName(string vmId, int index)
    {
        ArgumentNullException.ThrowIfNull(vmId);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(vmId)))[..10];
        return string.Create(CultureInfo.InvariantCulture, $"sc{hash}n{index}");
    }

    private static V1Condition NodeCondition(IReadOnlyList<InterfaceStatus> interfaces, SuperNode node)
    {
        var summary = string.Join(", ", interfaces.Select(i => $"{i.Name} {i.Ip} on overlay network {i.Overlay} (VNI {i.Vni})"));
        var nodeReady = Conditions.Find(node.Status?.Conditions, ConditionTypes.NetworkReady);
        return nodeReady switch
        {
            { Status: "True" } => Condition("True", ReadyReason, summary),
            null => Condition("False", NodeNotReadyReason, $"{summary}; waiting for node {node.Metadata.Name}'s agent to install the overlay"),
            _ => Condition("False", NodeNotReadyReason, $"{summary}; node {node.Metadata.Name}'s overlay is not ready: {nodeReady.Reason}: {nodeReady.Message}"),
        };
    }

    private static V1Condition Condition(string conditionStatus, string reason, string message) =>
        new() { Type = ConditionTypes.NetworkReady, Status = conditionStatus, Reason = reason, Message = message };

    private static bool Same(IList<InterfaceStatus>? current, IReadOnlyList<InterfaceStatus> wanted) =>
        current is not null && current.Count == wanted.Count && current.Zip(wanted).All(p =>
            p.First.Name == p.Second.Name && p.First.Ip == p.Second.Ip && p.First.Mac == p.Second.Mac && p.First.Overlay == p.Second.Overlay
            && p.First.Vni == p.Second.Vni && p.First.Cidr == p.Second.Cidr && p.First.Mtu == p.Second.Mtu);
}
