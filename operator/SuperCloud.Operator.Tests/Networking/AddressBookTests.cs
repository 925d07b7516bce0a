using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Networking;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Tests.Lab;

namespace SuperCloud.Operator.Tests.Networking;

/// <summary>IPAM against a real (lab) API server: the address books are ConfigMaps written with optimistic concurrency.</summary>
public sealed class AddressBookTests : IAsyncLifetime
{
    private static readonly OverlayCatalog Catalog = OverlayCatalog.Build(
    [
        OverlayCatalogTests.Cluster("aws", 0, ("default", 4096, "10.200.0.0/24"), ("isolated", 4097, "10.201.0.0/24")),
        OverlayCatalogTests.Cluster("onprem", 1, ("default", 4096, "10.200.1.0/26")),
    ]);

    private LabServer _lab = null!;

    public async Task InitializeAsync() => _lab = await LabServer.StartAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task Parallel_allocations_in_one_pool_never_give_one_address_or_mac_twice()
    {
        const int Count = 40;
        var books = Enumerable.Range(0, 4).Select(_ => Book()).ToList();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, Count).Select(i => books[i % books.Count].AllocateAsync(Pod($"p{i}"), "aws", Catalog, CancellationToken.None)));

        outcomes.Should().OnlyContain(o => o.Succeeded);
        var addresses = outcomes.Select(o => o.Interfaces.Single().Ip).ToList();
        addresses.Should().OnlyHaveUniqueItems();
        addresses.Should().OnlyContain(ip => ip!.StartsWith("10.200.0.", StringComparison.Ordinal) && ip != "10.200.0.1" && ip != "10.200.0.0");
        outcomes.Select(o => o.Interfaces.Single().Mac).Should().OnlyHaveUniqueItems();
        (await Book().EntriesAsync("default", CancellationToken.None)).Should().HaveCount(Count, "every allocation is in the book");
    }

    [Fact]
    public async Task A_repeated_allocation_and_one_by_a_restarted_operator_give_the_same_address_and_mac()
    {
        var pod = Pod("web");
        var first = await Book().AllocateAsync(pod, "aws", Catalog, CancellationToken.None);
        var again = await Book().AllocateAsync(pod, "aws", Catalog, CancellationToken.None);
        var afterRestart = await new AddressBook(new ResourceClient<V1ConfigMap>(LabServer.NewClient(_lab.Server)), _lab.Namespace, TimeProvider.System, NullLogger<AddressBook>.Instance)
            .AllocateAsync(pod, "onprem", Catalog, CancellationToken.None);

        first.Interfaces.Single().Ip.Should().Be("10.200.0.2");
        again.Interfaces.Should().BeEquivalentTo(first.Interfaces);
        afterRestart.Interfaces.Should().BeEquivalentTo(first.Interfaces, "the uid's entry is found whatever cluster the SuperPod is on now");
        first.Interfaces.Single().Mac.Should().Be(MacAddresses.Derive(pod.Metadata.Uid, "eth0", 0));
        first.Interfaces.Single().Should().BeEquivalentTo(new { Overlay = "default", Vni = 4096, Cidr = "10.200.0.0/24", Mtu = 1450 });
    }

    [Fact]
    public async Task An_address_taken_by_another_superpod_is_refused_naming_the_field_and_its_owner()
    {
        await Book().AllocateAsync(Pod("first", ip: "10.200.1.10"), "aws", Catalog, CancellationToken.None);

        var refused = await Book().AllocateAsync(Pod("second", ip: "10.200.1.10"), "aws", Catalog, CancellationToken.None);

        refused.Reason.Should().Be("AddressConflict");
        refused.Message.Should().Be($"spec.networks[0].ip: 10.200.1.10 is already the address of SuperPod {_lab.Namespace}/first (interface eth0) on overlay network 'default'");
    }

    public static TheoryData<string?, string?, string, string> BadAddresses() => new()
    {
        { "10.9.9.9", null, "InvalidAddress", "spec.networks[0].ip: 10.9.9.9 lies in no pool of overlay network 'default' (pools: 10.200.0.0/24 of aws, 10.200.1.0/26 of onprem)" },
        { "10.200.0.1", null, "InvalidAddress", "spec.networks[0].ip: 10.200.0.1 is the network, broadcast or gateway address of pool 10.200.0.0/24" },
        { "10.200.1.63", null, "InvalidAddress", "spec.networks[0].ip: 10.200.1.63 is the network, broadcast or gateway address of pool 10.200.1.0/26" },
        { null, "02:5c:00:00:00:01", "InvalidAddress", "spec.networks[0].mac: '02:5c:00:00:00:01' must be a unicast MAC other than the overlay gateway's" },
        { null, "03:00:00:00:00:01", "InvalidAddress", "spec.networks[0].mac: '03:00:00:00:00:01' must be a unicast MAC" },
    };

    [Theory]
    [MemberData(nameof(BadAddresses))]
    public async Task A_bad_fixed_address_is_refused_naming_the_field(string? ip, string? mac, string reason, string message)
    {
        var refused = await Book().AllocateAsync(Pod("fixed", ip: ip, mac: mac), "aws", Catalog, CancellationToken.None);

        refused.Reason.Should().Be(reason);
        refused.Message.Should().StartWith(message);
    }

    [Fact]
    public async Task A_network_no_cluster_declares_and_a_cluster_without_a_pool_are_refused()
    {
        var unknown = await Book().AllocateAsync(Pod("x", overlay: "purple"), "aws", Catalog, CancellationToken.None);
        var noPool = await Book().AllocateAsync(Pod("y", overlay: "isolated"), "onprem", Catalog, CancellationToken.None);

        unknown.Message.Should().Be("spec.networks[0].overlay: no SuperCluster declares overlay network 'purple' (declared: default, isolated)");
        noPool.Reason.Should().Be("NoPool");
        noPool.Message.Should().StartWith("spec.networks[0].overlay: SuperCluster onprem, where the SuperPod is bound, declares no pool of overlay network 'isolated'");
    }

    [Fact]
    public async Task A_mac_in_use_is_refused_and_released_addresses_are_given_again()
    {
        var first = await Book().AllocateAsync(Pod("a", mac: "0a:11:22:33:44:55"), "onprem", Catalog, CancellationToken.None);
        var clash = await Book().AllocateAsync(Pod("b", mac: "0A:11:22:33:44:55"), "onprem", Catalog, CancellationToken.None);
        clash.Message.Should().Be($"spec.networks[0].mac: 0a:11:22:33:44:55 is already the MAC of SuperPod {_lab.Namespace}/a (interface eth0) on overlay network 'default'");

        await Book().ReleaseAsync(Pod("a").Metadata.Uid, [], CancellationToken.None);
        var reused = await Book().AllocateAsync(Pod("b", mac: "0a:11:22:33:44:55"), "onprem", Catalog, CancellationToken.None);

        reused.Interfaces.Single().Ip.Should().Be(first.Interfaces.Single().Ip);
        (await Book().EntriesAsync("default", CancellationToken.None)).Values.Should().ContainSingle().Which.SuperPod.Should().EndWith("/b");
    }

    [Fact]
    public async Task An_exhausted_pool_says_so()
    {
        // 10.200.1.0/26: 64 addresses less network, gateway and broadcast.
        for (var i = 0; i < 61; i++)
        {
            (await Book().AllocateAsync(Pod($"p{i}"), "onprem", Catalog, CancellationToken.None)).Succeeded.Should().BeTrue();
        }

        var full = await Book().AllocateAsync(Pod("one-too-many"), "onprem", Catalog, CancellationToken.None);

        full.Reason.Should().Be("PoolExhausted");
        full.Message.Should().Be("spec.networks[0]: pool 10.200.1.0/26 of overlay network 'default' in SuperCluster onprem has no free address");
    }

    private AddressBook Book() =>
        new(new ResourceClient<V1ConfigMap>(_lab.Client), _lab.Namespace, TimeProvider.System, NullLogger<AddressBook>.Instance);

    private SuperPod Pod(string name, string? ip = null, string? mac = null, string overlay = "default") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = _lab.Namespace, Uid = $"uid-{name}" },
        Spec = new SuperPodSpec
        {
            Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("64Mi") },
            Boot = new BootSource { Image = "supercloud/test-guest:latest" },
            Networks = [new NetworkInterface { Name = "eth0", Ip = ip, Mac = mac, Overlay = overlay }],
        },
    };
}
