using SuperCloud.NodeAgent.Network;

namespace SuperCloud.NodeAgent.Tests.Network;

public sealed class FlowBundleTests
{
    private static readonly OpenFlowRule Kept = new(30, 100, "reg0=0x1000,dl_dst=0a:00:00:00:00:01", "output:5", 1);
    private static readonly OpenFlowRule Gone = new(30, 100, "reg0=0x1000,dl_dst=0a:00:00:00:00:02", "output:6", 2);
    private static readonly OpenFlowRule Moved = new(30, 100, "reg0=0x1000,dl_dst=0a:00:00:00:00:03", "output:7", 3);

    [Fact]
    public void The_same_flows_need_no_bundle()
    {
        var (text, changes) = FlowBundle.Diff(Installed(Kept, Gone), [Kept, Gone]);

        text.Should().BeEmpty();
        changes.Should().Be(0);
    }

    [Fact]
    public void Flows_that_went_are_deleted_strictly_new_ones_added_and_changed_ones_replaced_in_the_same_bundle()
    {
        var movedAway = Moved with { Actions = "set_field:10.1.2.101->tun_dst,output:1" };
        var added = new OpenFlowRule(0, 100, "in_port=8,dl_src=0a:00:00:00:00:04", "goto_table:10", 4);

        var (text, changes) = FlowBundle.Diff(Installed(Kept, Gone, Moved), [Kept, movedAway, added]);

        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().BeEquivalentTo(
            "delete_strict table=30,priority=100,reg0=0x1000,dl_dst=0a:00:00:00:00:02",
            "delete_strict table=30,priority=100,reg0=0x1000,dl_dst=0a:00:00:00:00:03",
            "add cookie=0x3,table=30,priority=100,reg0=0x1000,dl_dst=0a:00:00:00:00:03,actions=set_field:10.1.2.101->tun_dst,output:1",
            "add cookie=0x4,table=0,priority=100,in_port=8,dl_src=0a:00:00:00:00:04,actions=goto_table:10");
        changes.Should().Be(4);
    }

    private static Dictionary<string, OpenFlowRule> Installed(params OpenFlowRule[] flows) => flows.ToDictionary(f => f.Key);
}
