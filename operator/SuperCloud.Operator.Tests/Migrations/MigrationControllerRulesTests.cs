using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Tests.Migrations;

/// <summary>
/// The migration controller's rules that need no transfer: limits on concurrent migrations, one migration per SuperPod,
/// clear failures, cancellation by deletion, and drains. The agents' endpoints answer nothing here.
/// </summary>
public sealed class MigrationControllerRulesTests : IAsyncLifetime
{
    private const string Nowhere = "127.0.0.1:1";
    private MigrationHarness _h = null!;

    public async Task InitializeAsync()
    {
        _h = await MigrationHarness.StartAsync();
        foreach (var node in new[] { "n1", "n2", "n3" })
        {
            await _h.AddNodeAsync(node, "aws-use1", Nowhere);
        }
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Migrations_beyond_the_cluster_limit_wait_in_Pending_for_a_slot()
    {
        await _h.CreateRunningPodAsync("a", "n1");
        await _h.CreateRunningPodAsync("b", "n2");
        _h.StartControllers(new MigrationControllerOptions { MaxParallelMigrations = 1, PendingRequeue = TimeSpan.FromMilliseconds(200) });
        await _h.Cluster.UntilReadyAsync("n1", "n2", "n3");

        await _h.CreateMigrationAsync("ma", "a");
        await _h.UntilMigrationAsync("ma", m => m.Status?.Phase == MigrationPhase.PreparingTarget, "the first migration holds the slot");
        await _h.CreateMigrationAsync("mb", "b");

        var waiting = await _h.UntilMigrationAsync("mb", m => Conditions.Find(m.Status?.Conditions, ConditionTypes.Ready)?.Reason == "WaitingForSlot", "the second waits");
        waiting.Status!.Phase.Should().Be(MigrationPhase.Pending);
        waiting.Status.Message.Should().Be("1 migrations are running, the cluster-wide limit is 1; waiting for a slot");
        (await _h.Cluster.GetPodAsync("b")).Status!.Migration.Should().BeNull("a waiting migration does not hold its SuperPod");
    }

    [Fact]
    public async Task Migrations_beyond_the_per_node_limit_wait_while_others_leave_that_node()
    {
        await _h.CreateRunningPodAsync("a", "n1");
        await _h.CreateRunningPodAsync("b", "n1");
        await _h.CreateRunningPodAsync("c", "n2");
        _h.StartControllers(new MigrationControllerOptions { MaxOutboundPerNode = 1, PendingRequeue = TimeSpan.FromMilliseconds(200) });
        await _h.Cluster.UntilReadyAsync("n1", "n2", "n3");

        await _h.CreateMigrationAsync("ma", "a");
        await _h.UntilMigrationAsync("ma", m => m.Status?.Phase == MigrationPhase.PreparingTarget, "the first migration leaves n1");
        await _h.CreateMigrationAsync("mb", "b");
        await _h.CreateMigrationAsync("mc", "c");

        var waiting = await _h.UntilMigrationAsync("mb", m => Conditions.Find(m.Status?.Conditions, ConditionTypes.Ready)?.Reason == "WaitingForSlot", "b waits for n1");
        waiting.Status!.Message.Should().Be("1 migrations are leaving n1, the per-node limit is 1; waiting for a slot");
        await _h.UntilMigrationAsync("mc", m => m.Status?.Phase == MigrationPhase.PreparingTarget, "c leaves another node, so it starts");
    }

    [Fact]
    public async Task A_second_migration_of_one_superpod_waits_for_the_first()
    {
        await _h.CreateRunningPodAsync("a", "n1");
        _h.StartControllers();
        await _h.Cluster.UntilReadyAsync("n1", "n2", "n3");

        await _h.CreateMigrationAsync("first", "a");
        await _h.UntilMigrationAsync("first", m => m.Status?.Phase == MigrationPhase.PreparingTarget, "the first holds the SuperPod");
        await _h.CreateMigrationAsync("second", "a");

        var waiting = await _h.UntilMigrationAsync("second", m => Conditions.Find(m.Status?.Conditions, ConditionTypes.Ready)?.Reason == "WaitingForMigration", "the second waits");
        waiting.Status!.Message.Should().Contain("is being moved by SuperPodMigration first");
        var pod = await _h.Cluster.GetPodAsync("a");
        pod.Status!.Migration!.Name.Should().Be("first");
        pod.Status.Migration.TargetNode.Should().BeOneOf("n2", "n3");
        Conditions.Find(pod.Status.Conditions, ConditionTypes.Migrating)!.Status.Should().Be("True");
    }

    [Fact]
    public async Task Migrating_a_superpod_that_does_not_exist_or_does_not_run_fails_and_names_it()
    {
        await _h.CreateRunningPodAsync("stopped", "n1", SuperPodPhase.Stopped);
        _h.StartControllers();

        await _h.CreateMigrationAsync("ghost", "no-such-pod");
        await _h.CreateMigrationAsync("halted", "stopped");
        await _h.CreateMigrationAsync("same-node", "stopped", new MigrationTarget { Node = "n1" });

        var ghost = await _h.UntilMigrationAsync("ghost", m => m.Status?.Phase == MigrationPhase.Failed, "the migration fails");
        ghost.Status!.FailureReason.Should().Be("SuperPodNotFound");
        ghost.Status.Message.Should().Be($"SuperPod {_h.Namespace}/no-such-pod does not exist");
        var halted = await _h.UntilMigrationAsync("halted", m => m.Status?.Phase == MigrationPhase.Failed, "the migration fails");
        halted.Status!.FailureReason.Should().Be("SuperPodNotRunning");
        halted.Status.Message.Should().Contain("is Stopped: only a running SuperPod migrates live");
        Conditions.IsTrue(halted.Status.Conditions, ConditionTypes.Failed).Should().BeTrue();
        await Eventually.UntilAsync(
            () => _h.MetricsTextAsync().Result.Contains("supercloud_migrations_total{phase=\"Failed\",reason=\"SuperPodNotRunning\"} 2", StringComparison.Ordinal),
            "the operator counts both failures by reason", TimeSpan.FromSeconds(10));
        (await _h.MetricsTextAsync()).Should().Contain("supercloud_migrations_total{phase=\"Failed\",reason=\"SuperPodNotFound\"} 1");
    }

    [Fact]
    public async Task Deleting_a_migration_before_the_transfer_cancels_it_and_releases_the_superpod()
    {
        await _h.CreateRunningPodAsync("a", "n1");
        _h.StartControllers();
        await _h.Cluster.UntilReadyAsync("n1", "n2", "n3");
        await _h.CreateMigrationAsync("m", "a");
        await _h.UntilMigrationAsync("m", m => m.Status?.Phase == MigrationPhase.PreparingTarget, "the migration holds the SuperPod");

        await _h.Migrations.DeleteAsync(new ObjectKey(_h.Namespace, "m"), CancellationToken.None);

        await Eventually.UntilAsync(() => _h.GetMigrationAsync("m").Result is null, "the migration is gone", TimeSpan.FromSeconds(20));
        var pod = await _h.Cluster.GetPodAsync("a");
        pod.Status!.Migration.Should().BeNull();
        pod.Status.Node.Should().Be("n1");
        pod.Status.LastMigration!.Name.Should().Be("m");
        pod.Status.LastMigration.Phase.Should().Be(MigrationPhase.Cancelled);
        pod.Status.LastMigration.To!.Node.Should().Be("n1");
        Conditions.Find(pod.Status.Conditions, ConditionTypes.Migrating)!.Reason.Should().Be("Cancelled");
    }

    [Fact]
    public async Task Draining_a_cordoned_node_starts_a_migration_for_each_running_superpod_and_reports_the_rest()
    {
        await _h.CreateRunningPodAsync("a", "n1");
        await _h.CreateRunningPodAsync("b", "n1");
        await _h.CreateRunningPodAsync("halted", "n1", SuperPodPhase.Stopped);
        await _h.CreateRunningPodAsync("elsewhere", "n2");
        _h.StartControllers();

        await _h.Cluster.Nodes.PatchAsync(
            new ObjectKey(null, "n1"),
            $$$"""{"metadata":{"annotations":{"{{{SuperCloudApi.DrainAnnotation}}}":"true"}},"spec":{"unschedulable":true}}""",
            ResourceClient<SuperNode>.MergePatch, null, CancellationToken.None);

        await Eventually.UntilAsync(() => _h.Migrations.ListAsync(_h.Namespace, null, null, null, null, null, CancellationToken.None).Result.Items.Count >= 2, "drain migrations exist", TimeSpan.FromSeconds(10));
        var drains = (await _h.Migrations.ListAsync(_h.Namespace, null, null, null, null, null, CancellationToken.None)).Items;
        drains.Select(m => m.Spec.SuperPod).Should().BeEquivalentTo(["a", "b"]);
        drains.Should().OnlyContain(m => m.Spec.Reason == MigrationReason.NodeDrain && m.Metadata.Labels[SuperCloudApi.DrainedNodeLabel] == "n1");
        await Eventually.UntilAsync(
            () => Conditions.Find(_h.Cluster.GetNodeAsync("n1").Result.Status?.Conditions, SuperNodeDrainReconciler.DrainedCondition)?.Reason == "CannotMigrate",
            "the node reports what cannot move", TimeSpan.FromSeconds(10));
        var drained = Conditions.Find((await _h.Cluster.GetNodeAsync("n1")).Status!.Conditions, SuperNodeDrainReconciler.DrainedCondition)!;
        drained.Status.Should().Be("False");
        drained.Message.Should().Be($"3 SuperPod(s) left: 2 migrating; not running, so they cannot move live: {_h.Namespace}/halted (Stopped)");
    }
}
