using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Scheduling;

namespace SuperCloud.Operator.Tests.Scheduling;

public sealed class ClusterSnapshotTests
{
    [Fact]
    public void Build_charges_bound_pods_to_their_nodes_but_not_failed_or_unbound_ones()
    {
        var snapshot = ClusterSnapshot.Build(
            [new SuperCluster { Metadata = new V1ObjectMeta { Name = "aws" }, Spec = new SuperClusterSpec { Provider = CloudProvider.Aws, Region = "us-east-1" } }],
            [Node("n1", "aws"), Node("orphan", "missing")],
            [Pod("bound", "n1", SuperPodPhase.Running), Pod("failed", "n1", SuperPodPhase.Failed), Pod("pending", null, SuperPodPhase.Pending)],
            [new StubResource
            {
                Metadata = new V1ObjectMeta { Name = "gpu", NamespaceProperty = "default" },
                Spec = new StubResourceSpec { Type = StubType.Device, Location = new StubLocation { Cluster = "aws" }, Endpoint = new StubEndpoint { Host = "10.0.0.9", Port = 80 } },
            }]);

        var n1 = snapshot.Node("n1")!;
        n1.RequestedMilliCpu.Should().Be(2000);
        n1.RequestedMemory.Should().Be(4L << 30);
        n1.SuperPodCount.Should().Be(1);
        n1.AllocatableMilliCpu.Should().Be(7500);
        n1.Cluster!.Name.Should().Be("aws");
        snapshot.Node("orphan")!.Cluster.Should().BeNull();
        snapshot.StubLocation(new ObjectKey("default", "gpu"))!.Cluster.Should().Be("aws");
        snapshot.Placement(new ObjectKey("default", "failed")).Should().BeNull();
    }

    [Fact]
    public void Bad_quantities_and_prices_name_the_field()
    {
        var pod = Pod("vm", null, null);
        pod.Spec.Placement = new Placement { MaxPricePerHour = "cheap" };

        var act = () => PodRequest.From(pod, new ClusterSnapshot());

        act.Should().Throw<ArgumentException>().WithMessage("spec.placement.maxPricePerHour: 'cheap' is not a non-negative decimal price*");
    }

    private static SuperNode Node(string name, string cluster) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SuperNodeSpec { Cluster = cluster, AgentEndpoint = "10.0.0.1:7443" },
        Status = new SuperNodeStatus
        {
            Phase = SuperNodePhase.Ready,
            Allocatable = new NodeResources { Cpu = new ResourceQuantity("7500m"), Memory = new ResourceQuantity("30Gi") },
        },
    };

    private static SuperPod Pod(string name, string? node, SuperPodPhase? phase) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Spec = new SuperPodSpec
        {
            Resources = new SuperPodResources { Cpu = new ResourceQuantity("2"), Memory = new ResourceQuantity("4Gi") },
            Boot = new BootSource { Image = "vm" },
        },
        Status = new SuperPodStatus { Node = node, Phase = phase },
    };
}
