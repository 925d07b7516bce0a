using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Kubectl.Commands;

namespace SuperCloud.Kubectl.Tests.Commands;

public sealed class MigrateTargetTests
{
    private static readonly List<SuperNode> Nodes = [Node("aws-us-east-1-1"), Node("onprem-1")];

    private static readonly List<SuperCluster> Clusters =
    [
        Cluster("aws-us-east-1", CloudProvider.Aws, "us-east-1"),
        Cluster("aws-eu-west-1", CloudProvider.Aws, "eu-west-1"),
        Cluster("site-a", CloudProvider.OnPrem, "local"),
    ];

    [Fact]
    public void To_names_a_node_a_cluster_a_cloud_or_a_region_in_that_order()
    {
        MigrateCommand.Target("onprem-1", Nodes, Clusters).Should().BeEquivalentTo(new MigrationTarget { Node = "onprem-1" });
        MigrateCommand.Target("aws-eu-west-1", Nodes, Clusters).Should().BeEquivalentTo(new MigrationTarget { Cluster = "aws-eu-west-1" });
        MigrateCommand.Target("onprem", Nodes, Clusters).Should().BeEquivalentTo(new MigrationTarget { Cloud = CloudProvider.OnPrem });
        MigrateCommand.Target("eu-west-1", Nodes, Clusters).Should().BeEquivalentTo(new MigrationTarget { Region = "eu-west-1" });
    }

    [Fact]
    public void A_cloud_without_a_SuperCluster_is_refused_naming_the_clouds_there_are()
    {
        var target = () => MigrateCommand.Target("gcp", Nodes, Clusters);

        target.Should().Throw<CommandFailedException>().WithMessage("--to gcp: no SuperCluster is in cloud gcp (clouds: aws, onprem)");
    }

    [Fact]
    public void An_unknown_target_is_refused_naming_what_exists()
    {
        var target = () => MigrateCommand.Target("mars", Nodes, Clusters);

        target.Should().Throw<CommandFailedException>().WithMessage(
            "--to mars: no SuperNode, SuperCluster, cloud or region is called \"mars\" (clouds: aws, onprem; regions: eu-west-1, local, us-east-1; superclusters: aws-eu-west-1, aws-us-east-1, site-a)");
    }

    [Fact]
    public void The_migration_line_says_where_the_SuperPod_goes()
    {
        MigrateCommand.Describe(null).Should().Be("where the scheduler chooses");
        MigrateCommand.Describe(new MigrationTarget { Cloud = CloudProvider.OnPrem }).Should().Be("cloud onprem");
        MigrateCommand.Describe(new MigrationTarget { Node = "onprem-1" }).Should().Be("node onprem-1");
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x62, 0x0d }, 3, false)]
    [InlineData(new byte[] { 0x61, 0x1d, 0x62 }, 1, true)]
    [InlineData(new byte[] { 0x1d }, 0, true)]
    public void Console_input_stops_at_ctrl_close_bracket(byte[] chunk, int count, bool detach)
    {
        ConsoleCommand.BeforeEscape(chunk).Should().Be((count, detach));
    }

    private static SuperNode Node(string name) => new() { Metadata = new V1ObjectMeta { Name = name }, Spec = new SuperNodeSpec { Cluster = "c", AgentEndpoint = "e:7443" } };

    private static SuperCluster Cluster(string name, CloudProvider cloud, string region) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SuperClusterSpec { Provider = cloud, Region = region },
    };
}
