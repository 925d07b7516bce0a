using System.Globalization;
using System.Text.Json;
using k8s.Models;
using SuperCloud.Crds.Networking;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Networking;

/// <summary>
/// IPAM: every overlay address and MAC in use, one ConfigMap per overlay network (<c>supercloud-ipam-NETWORK</c> in the
/// operator's namespace, keyed by address), written with optimistic concurrency — a write that lost to another (409) reads
/// again and decides again — so two allocations never get one address, whichever operator replica or worker makes them,
/// and a restarted operator finds every allocation where it left it. An entry is keyed by the SuperPod's uid and
/// interface: a repeated reconcile gets the same address back. Entries go when the SuperPod is deleted.
/// </summary>
public sealed class AddressBook(ResourceClient<V1ConfigMap> configMaps, string @namespace, TimeProvider time, ILogger<AddressBook> logger)
{
    /// <summary>The label on every address book ConfigMap.</summary>
    public const string Label = "supercloud.dev/ipam";

    /// <summary>The annotation naming the book's overlay network.</summary>
    public const string NetworkAnnotation = "supercloud.dev/overlay-network";

    private static readonly TimeSpan WriteDeadline = TimeSpan.FromSeconds(20);

    /// <summary>The address book of overlay network <paramref name="network"/>.</summary>
    public static string ConfigMapName(string network) => "supercloud-ipam-" + network;

    /// <summary>
    /// Gives each interface of <paramref name="pod"/> (bound to <paramref name="cluster"/>) its address and MAC: the ones it
    /// already holds, the user's (which must lie in a pool of its network and be free), or the first free address of the
    /// cluster's pool and a MAC derived from the uid. Stops at the first interface that cannot have one.
    /// </summary>
    public async Task<AllocationOutcome> AllocateAsync(SuperPod pod, string cluster, OverlayCatalog catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(catalog);
        var uid = pod.Metadata.Uid;
        var owner = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        var interfaces = new List<InterfaceStatus>();
        var specs = pod.Spec.Networks ?? [];
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var field = $"spec.networks[{i.ToString(CultureInfo.InvariantCulture)}]";
            var networkName = string.IsNullOrEmpty(spec.Overlay) ? "default" : spec.Overlay;
            if (catalog.Network(networkName) is not { } network)
            {
                var known = catalog.Networks.Count == 0 ? "none is declared" : "declared: " + string.Join(", ", catalog.Networks.Select(n => n.Name));
                return AllocationOutcome.Refused("NetworkNotFound", $"{field}.overlay: no SuperCluster declares overlay network '{networkName}' ({known})");
            }

            uint? fixedIp = null;
            if (!string.IsNullOrEmpty(spec.Ip))
            {
                if (!Ipv4Prefix.TryParseAddress(spec.Ip, out var parsed))
                {
                    return AllocationOutcome.Refused("InvalidAddress", $"{field}.ip: '{spec.Ip}' is not an IPv4 address");
                }

                if (network.PoolContaining(parsed) is not { } fixedPool)
                {
                    return AllocationOutcome.Refused("InvalidAddress",
                        $"{field}.ip: {spec.Ip} lies in no pool of overlay network '{network.Name}' (pools: {string.Join(", ", network.Pools.Select(p => $"{p.Cidr} of {p.Cluster}"))})");
                }

                if (!fixedPool.IsAssignable(parsed))
                {
                    return AllocationOutcome.Refused("InvalidAddress",
                        $"{field}.ip: {spec.Ip} is the network, broadcast or gateway address of pool {fixedPool.Cidr}; choose a host address other than {Ipv4Prefix.FormatAddress(fixedPool.Gateway)}");
                }

                fixedIp = parsed;
            }

            string? fixedMac = null;
            if (!string.IsNullOrEmpty(spec.Mac))
            {
                fixedMac = MacAddresses.Normalize(spec.Mac);
                if (fixedMac is null || fixedMac == MacAddresses.Gateway)
                {
                    return AllocationOutcome.Refused("InvalidAddress", $"{field}.mac: '{spec.Mac}' must be a unicast MAC other than the overlay gateway's ({MacAddresses.Gateway})");
                }
            }

            var homePool = network.PoolOf(cluster);
            if (fixedIp is null && homePool is null)
            {
                return AllocationOutcome.Refused("NoPool",
                    $"{field}.overlay: SuperCluster {cluster}, where the SuperPod is bound, declares no pool of overlay network '{network.Name}' (pools: {string.Join(", ", network.Pools.Select(p => $"{p.Cidr} of {p.Cluster}"))})");
            }

            var outcome = await UpdateAsync(network.Name, entries =>
            {
                var mine = entries.FirstOrDefault(e => e.Value.Uid == uid && e.Value.Interface == spec.Name);
                var current = mine.Value is null ? (uint?)null : Ipv4Prefix.ParseAddress(mine.Key);
                var wanted = fixedIp ?? current;
                if (wanted is { } address && entries.TryGetValue(Ipv4Prefix.FormatAddress(address), out var holder) && !(holder.Uid == uid && holder.Interface == spec.Name))
                {
                    return Decision.Refuse("AddressConflict",
                        $"{field}.ip: {Ipv4Prefix.FormatAddress(address)} is already the address of SuperPod {holder.SuperPod} (interface {holder.Interface}) on overlay network '{network.Name}'");
                }

                if (wanted is null)
                {
                    wanted = FirstFree(homePool!, entries);
                    if (wanted is null)
                    {
                        return Decision.Refuse("PoolExhausted", $"{field}: pool {homePool!.Cidr} of overlay network '{network.Name}' in SuperCluster {cluster} has no free address");
                    }
                }

                var macInUse = entries.Where(e => !(e.Value.Uid == uid && e.Value.Interface == spec.Name)).ToDictionary(e => e.Value.Mac, e => e.Value, StringComparer.Ordinal);
                var mac = fixedMac ?? (mine.Value is { } held && !macInUse.ContainsKey(held.Mac) ? held.Mac : null);
                if (fixedMac is not null && macInUse.TryGetValue(fixedMac, out var macHolder))
                {
                    return Decision.Refuse("AddressConflict", $"{field}.mac: {fixedMac} is already the MAC of SuperPod {macHolder.SuperPod} (interface {macHolder.Interface}) on overlay network '{network.Name}'");
                }

                for (var attempt = 0; mac is null; attempt++)
                {
                    var derived = MacAddresses.Derive(uid, spec.Name, attempt);
                    mac = macInUse.ContainsKey(derived) ? null : derived;
                }

                var key = Ipv4Prefix.FormatAddress(wanted.Value);
                var entry = new AddressEntry(uid, owner, spec.Name, mac);
                var changed = mine.Key != key || mine.Value != entry;
                if (mine.Key is not null && mine.Key != key)
                {
                    entries.Remove(mine.Key);
                }

                entries[key] = entry;
                return Decision.Accept(changed, wanted.Value, mac);
            }, cancellationToken);
            if (outcome.Reason is not null)
            {
                return AllocationOutcome.Refused(outcome.Reason, outcome.Message!);
            }

            var pool = network.PoolContaining(outcome.Address)!;
            interfaces.Add(new InterfaceStatus
            {
                Name = spec.Name,
                Ip = Ipv4Prefix.FormatAddress(outcome.Address),
                Mac = outcome.Mac,
                Overlay = network.Name,
                Vni = (int)network.Vni,
                Cidr = pool.Cidr.ToString(),
                Mtu = catalog.Mtu,
            });
        }

        return new AllocationOutcome(interfaces, null, null);
    }

    /// <summary>
    /// Removes every entry of SuperPod <paramref name="uid"/> from every address book except those of interfaces in
    /// <paramref name="keep"/> (network, interface); nothing to keep when it is deleted.
    /// </summary>
    public async Task ReleaseAsync(string uid, IReadOnlyCollection<(string Network, string Interface)> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var kept = keep.ToHashSet();
        var books = await configMaps.ListAsync(@namespace, $"{Label}=true", null, null, null, null, cancellationToken);
        foreach (var book in books.Items)
        {
            var network = book.Metadata.Annotations is { } annotations && annotations.TryGetValue(NetworkAnnotation, out var annotated)
                ? annotated
                : book.Metadata.Name["supercloud-ipam-".Length..];
            if (!Read(book).Values.Any(e => e.Uid == uid && !kept.Contains((network, e.Interface))))
            {
                continue;
            }

            await UpdateAsync(network, entries =>
            {
                var gone = entries.Where(e => e.Value.Uid == uid && !kept.Contains((network, e.Value.Interface))).Select(e => e.Key).ToList();
                foreach (var address in gone)
                {
                    entries.Remove(address);
                    if (logger.IsEnabled(LogLevel.Information))
                    {
                        logger.LogInformation("Released overlay address {Address} of network {Network} held by SuperPod uid {Uid}", address, network, uid);
                    }
                }

                return Decision.Accept(gone.Count > 0, 0, "");
            }, cancellationToken);
        }
    }

    /// <summary>Every entry of overlay network <paramref name="network"/>'s book, by address.</summary>
    public async Task<IReadOnlyDictionary<string, AddressEntry>> EntriesAsync(string network, CancellationToken cancellationToken) =>
        await configMaps.GetAsync(new ObjectKey(@namespace, ConfigMapName(network)), cancellationToken) is { } book ? Read(book) : new Dictionary<string, AddressEntry>();

    private static uint? FirstFree(CatalogPool pool, Dictionary<string, AddressEntry> entries)
    {
        for (var address = pool.Cidr.Network + 1; address < pool.Cidr.Broadcast; address++)
        {
            if (pool.IsAssignable(address) && !entries.ContainsKey(Ipv4Prefix.FormatAddress(address)))
            {
                return address;
            }
        }

        return null;
    }

    // Read-decide-write of one book until the write is not beaten by another writer.
    private async Task<Decision> UpdateAsync(string network, Func<Dictionary<string, AddressEntry>, Decision> decide, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var key = new ObjectKey(@namespace, ConfigMapName(network));
        for (var attempt = 1; ; attempt++)
        {
            var book = await configMaps.GetAsync(key, cancellationToken);
            var entries = book is null ? new Dictionary<string, AddressEntry>(StringComparer.Ordinal) : Read(book);
            var decision = decide(entries);
            if (decision.Reason is not null || !decision.Changed)
            {
                return decision;
            }

            try
            {
                if (book is null)
                {
                    await configMaps.CreateAsync(Write(new V1ConfigMap
                    {
                        Metadata = new V1ObjectMeta
                        {
                            Name = key.Name,
                            NamespaceProperty = @namespace,
                            Labels = new Dictionary<string, string> { [Label] = "true" },
                            Annotations = new Dictionary<string, string> { [NetworkAnnotation] = network },
                        },
                    }, entries), cancellationToken);
                }
                else
                {
                    await configMaps.ReplaceAsync(Write(book, entries), null, cancellationToken);
                }

                return decision;
            }
            catch (KubernetesApiException e) when ((e.IsConflict || e.IsNotFound) && time.GetElapsedTime(started) < WriteDeadline)
            {
                // Another allocation wrote first (or the book was just made or removed): decide again on what it wrote.
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    logger.LogDebug("Address book {Book} changed under attempt {Attempt}; reading it again", key, attempt);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 10))), time, cancellationToken);
            }
        }
    }

    private static Dictionary<string, AddressEntry> Read(V1ConfigMap book)
    {
        var entries = new Dictionary<string, AddressEntry>(StringComparer.Ordinal);
        foreach (var (address, json) in book.Data ?? new Dictionary<string, string>())
        {
            if (JsonSerializer.Deserialize<AddressEntry>(json, JsonOptions) is { } entry)
            {
                entries[address] = entry;
            }
        }

        return entries;
    }

    private static V1ConfigMap Write(V1ConfigMap book, Dictionary<string, AddressEntry> entries)
    {
        book.Data = entries.OrderBy(e => Ipv4Prefix.ParseAddress(e.Key)).ToDictionary(e => e.Key, e => JsonSerializer.Serialize(e.Value, JsonOptions));
        return book;
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private sealed record Decision(bool Changed, uint Address, string Mac, string? Reason, string? Message)
    {
        public static Decision Accept(bool changed, uint address, string mac) => new(changed, address, mac, null, null);

        public static Decision Refuse(string reason, string message) => new(false, 0, "", reason, message);
    }
}
