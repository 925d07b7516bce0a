using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Networking;

namespace SuperCloud.Operator.Tests.Networking;

public sealed class OverlayCatalogTests
{
    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void A_network_declared_by_several_clusters_has_one_vni_and_a_pool_from_each_with_the_first_address_as_gateway()
    {
        var catalog = OverlayCatalog.Build([Cluster("aws", 0, ("default", 4096, "10.200.0.0/24")), Cluster("onprem", 1, ("default", 4096, "10.200.1.0/24"), ("isolated", 4097, "10.201.1.0/24"))]);

        catalog.Problems.Should().BeEmpty();
        catalog.Networks.Select(n => (n.Name, n.Vni, string.Join(" ", n.Pools.Select(p => $"{p.Cluster}:{p.Cidr}")))).Should().Equal(
            ("default", 4096u, "aws:10.200.0.0/24 onprem:10.200.1.0/24"), ("isolated", 4097u, "onprem:10.201.1.0/24"));
        catalog.Network("default")!.PoolOf("onprem")!.Gateway.Should().Be(SuperCloud.Crds.Networking.Ipv4Prefix.ParseAddress("10.200.1.1"));
        catalog.Mtu.Should().Be(1450);
    }

    public static TheoryData<string, SuperCluster, string, string?> Conflicts() => new()
    {
        { "a network with another VNI", Cluster("gcp", 5, ("default", 5000, "10.200.9.0/24")), "spec.overlay.networks[0].vni: overlay network 'default' has VNI 4096 in SuperCluster aws, which declared it first", "aws" },
        { "a VNI that is another network", Cluster("gcp", 5, ("blue", 4096, "10.202.0.0/24")), "spec.overlay.networks[0].vni: VNI 4096 is overlay network 'default' of SuperCluster aws", "aws" },
        { "a pool overlapping another cluster's", Cluster("gcp", 5, ("default", 4096, "10.200.0.128/25")), "spec.overlay.networks[0].cidr: 10.200.0.128/25 overlaps 10.200.0.0/24, the pool of overlay network 'default' in SuperCluster aws", "aws" },
        { "a pool overlapping its own other pool", Cluster("gcp", 5, ("default", 4096, "10.203.0.0/24"), ("green", 4100, "10.203.0.0/16")), "spec.overlay.networks[1].cidr: 10.203.0.0/16 overlaps 10.203.0.0/24, the pool of overlay network 'default' in this cluster", "gcp" },
        { "a pool with host bits set", Cluster("gcp", 5, ("default", 4096, "10.204.0.7/24")), "spec.overlay.networks[0].cidr: '10.204.0.7/24' has host bits set: the network is 10.204.0.0/24", null },
    };

    [Theory]
    [MemberData(nameof(Conflicts))]
    public void The_later_of_two_conflicting_declarations_is_refused_naming_its_field_and_the_other_cluster(string what, SuperCluster later, string message, string? other)
    {
        var catalog = OverlayCatalog.Build([later, Cluster("aws", 0, ("default", 4096, "10.200.0.0/24"))]);

        var problem = catalog.ProblemsOf(later.Metadata.Name).Should().ContainSingle(what).Subject;
        problem.Message.Should().StartWith(message, what);
        problem.OtherCluster.Should().Be(other);
        catalog.ProblemsOf("aws").Should().BeEmpty("the cluster that declared first keeps its network");
        catalog.Network("default")!.Pools.Should().Contain(p => p.Cluster == "aws");
    }

    [Fact]
    public void The_overlay_mtu_is_the_smallest_a_cluster_declares()
    {
        var small = Cluster("edge", 2, ("default", 4096, "10.200.5.0/24"));
        small.Spec.Overlay!.Mtu = 1400;

        OverlayCatalog.Build([Cluster("aws", 0, ("default", 4096, "10.200.0.0/24")), small]).Mtu.Should().Be(1400);
    }

    internal static SuperCluster Cluster(string name, int minutes, params (string Name, int Vni, string Cidr)[] networks) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = T0.AddMinutes(minutes) },
        Spec = new SuperClusterSpec
        {
            Provider = CloudProvider.Aws,
            Region = "us-east-1",
            Overlay = new OverlaySettings { Networks = networks.Select(n => new OverlayNetwork { Name = n.Name, Vni = n.Vni, Cidr = n.Cidr }).ToList() },
        },
    };
}
