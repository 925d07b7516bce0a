using System.Globalization;
using SuperCloud.Crds.Networking;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Networking;

/// <summary>
/// The overlay networks the SuperClusters declare, checked against each other: a network name means the same VNI in
/// every cluster, a VNI belongs to one network, and no pool overlaps another (of any network or cluster). Declarations
/// are taken oldest cluster first (creationTimestamp, then name), so a new cluster can never take over what an existing
/// one uses: the later of two conflicting declarations is refused, with a problem naming its field and the other cluster.
/// A pure function of the clusters, rebuilt whenever one changes.
/// </summary>
public sealed class OverlayCatalog
{
    /// <summary>The MTU of SuperPod interfaces when no cluster says otherwise (1500 less 50 bytes of VXLAN).</summary>
    public const int DefaultMtu = 1450;

    private OverlayCatalog(IReadOnlyList<CatalogNetwork> networks, IReadOnlyList<OverlayProblem> problems, int mtu)
    {
        Networks = networks;
        Problems = problems;
        Mtu = mtu;
    }

    /// <summary>The accepted networks, each with every accepted pool.</summary>
    public IReadOnlyList<CatalogNetwork> Networks { get; }

    /// <summary>The refused declarations.</summary>
    public IReadOnlyList<OverlayProblem> Problems { get; }

    /// <summary>The MTU inside the overlay: the smallest any cluster declares (the overlay spans them all).</summary>
    public int Mtu { get; }

    /// <summary>The accepted network named <paramref name="name"/>, or null.</summary>
    public CatalogNetwork? Network(string name) => Networks.FirstOrDefault(n => n.Name == name);

    /// <summary>The refused declarations of <paramref name="cluster"/>.</summary>
    public IEnumerable<OverlayProblem> ProblemsOf(string cluster) => Problems.Where(p => p.Cluster == cluster);

    /// <summary>Checks the declarations of <paramref name="clusters"/> against each other.</summary>
    public static OverlayCatalog Build(IEnumerable<SuperCluster> clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        var ordered = clusters
            .OrderBy(c => c.Metadata.CreationTimestamp ?? DateTime.MaxValue)
            .ThenBy(c => c.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        var networks = new List<(string Name, int Vni, string Cluster, List<CatalogPool> Pools)>();
        var pools = new List<(CatalogPool Pool, string Network)>();
        var problems = new List<OverlayProblem>();
        var mtu = DefaultMtu;
        foreach (var cluster in ordered)
        {
            var name = cluster.Metadata.Name;
            if (cluster.Spec.Overlay?.Mtu is { } declared)
            {
                mtu = Math.Min(mtu, declared);
            }

            var declarations = cluster.Spec.Overlay?.Networks ?? [];
            for (var i = 0; i < declarations.Count; i++)
            {
                var declaration = declarations[i];
                var field = $"spec.overlay.networks[{i.ToString(CultureInfo.InvariantCulture)}]";
                if (!Ipv4Prefix.TryParse(declaration.Cidr, out var cidr, out var error))
                {
                    problems.Add(new OverlayProblem(name, $"{field}.cidr", $"{field}.cidr: {error}", null));
                    continue;
                }

                if (cidr.Length is < 8 or > 30)
                {
                    problems.Add(new OverlayProblem(name, $"{field}.cidr", $"{field}.cidr: {cidr} must be a /8 to /30 (room for a gateway and hosts)", null));
                    continue;
                }

                var sameName = networks.FirstOrDefault(n => n.Name == declaration.Name);
                if (sameName.Name is not null && sameName.Vni != declaration.Vni)
                {
                    problems.Add(new OverlayProblem(name, $"{field}.vni",
                        $"{field}.vni: overlay network '{declaration.Name}' has VNI {sameName.Vni.ToString(CultureInfo.InvariantCulture)} in SuperCluster {sameName.Cluster}, which declared it first; a network has the same VNI in every cluster",
                        sameName.Cluster));
                    continue;
                }

                var sameVni = networks.FirstOrDefault(n => n.Vni == declaration.Vni && n.Name != declaration.Name);
                if (sameVni.Name is not null)
                {
                    problems.Add(new OverlayProblem(name, $"{field}.vni",
                        $"{field}.vni: VNI {declaration.Vni.ToString(CultureInfo.InvariantCulture)} is overlay network '{sameVni.Name}' of SuperCluster {sameVni.Cluster}; one VNI is one network",
                        sameVni.Cluster));
                    continue;
                }

                var overlap = pools.FirstOrDefault(p => p.Pool.Cidr.Overlaps(cidr));
                if (overlap.Pool is not null)
                {
                    var where = overlap.Pool.Cluster == name ? "this cluster" : $"SuperCluster {overlap.Pool.Cluster}";
                    problems.Add(new OverlayProblem(name, $"{field}.cidr",
                        $"{field}.cidr: {cidr} overlaps {overlap.Pool.Cidr}, the pool of overlay network '{overlap.Network}' in {where}; pools never overlap",
                        overlap.Pool.Cluster));
                    continue;
                }

                var pool = new CatalogPool(name, cidr, cidr.Network + 1);
                pools.Add((pool, declaration.Name));
                if (sameName.Name is null)
                {
                    networks.Add((declaration.Name, declaration.Vni, name, [pool]));
                }
                else
                {
                    sameName.Pools.Add(pool);
                }
            }
        }

        return new OverlayCatalog(
            networks.Select(n => new CatalogNetwork(n.Name, (uint)n.Vni, n.Pools)).OrderBy(n => n.Vni).ToList(),
            problems,
            mtu);
    }
}
