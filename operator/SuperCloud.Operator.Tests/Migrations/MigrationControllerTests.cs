extern alias nodeagent;

using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Migrations;
using SuperCloud.Operator.Runtime;
using SuperCloud.Operator.Tests.Agents;

namespace SuperCloud.Operator.Tests.Migrations;

/// <summary>The migration controller against the lab API server and real agents running real QEMU guests.</summary>
public sealed class MigrationControllerTests : IAsyncLifetime
{
    private MigrationHarness _h = null!;

    public async Task InitializeAsync() => _h = await MigrationHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [SkippableFact]
    public async Task Migration_moves_a_running_superpod_to_another_cloud_and_records_it_in_status_and_metrics()
    {
        Skip.If(TestGuest.Missing is not null, TestGuest.Missing);
        var source = await _h.AddAgentAsync("aws-1", "aws-use1");
        var target = await _h.AddAgentAsync("onprem-1", "onprem");
        _h.StartControllers();
        await _h.Cluster.UntilReadyAsync("aws-1", "onprem-1");
        var created = await _h.CreateGuestPodAsync("web", "aws-use1");
        await _h.Cluster.UntilPodAsync("web", p => p.Status?.Phase == SuperPodPhase.Running, "the SuperPod runs", seconds: 30);
        await Eventually.UntilAsync(
            () => source.Driver.ReadConsoleTailAsync(created.Metadata.Uid, 64 * 1024, CancellationToken.None).Result.Contains("MEMCHECK OK", StringComparison.Ordinal),
            "the guest booted and its checker verified its memory once", TimeSpan.FromSeconds(60));

        // The SuperPod is pinned to aws-use1 by its placement; the migration names another cluster, so no node fits...
        await _h.CreateMigrationAsync("to-onprem-refused", "web", new MigrationTarget { Cluster = "onprem" });
        var refused = await _h.UntilMigrationAsync("to-onprem-refused", m => m.Status?.Phase == MigrationPhase.Failed, "the migration is refused");
        refused.Status!.FailureReason.Should().Be("NoTarget");
        refused.Status.Message.Should().Contain("0/2 nodes are available").And.Contain("1 node(s) were the migration's source");

        // ...until the SuperPod allows it.
        await _h.Cluster.Pods.PatchAsync(
            new ObjectKey(_h.Namespace, "web"), """{"spec":{"placement":{"clusters":["aws-use1","onprem"]}}}""", ResourceClient<SuperPod>.MergePatch, null, CancellationToken.None);
        await _h.CreateMigrationAsync("to-onprem", "web", new MigrationTarget { Cloud = CloudProvider.OnPrem });

        var done = await _h.UntilMigrationAsync("to-onprem", m => SuperPodMigrationReconciler.IsFinished(m.Status?.Phase), "the migration finished", seconds: 90);
        done.Status!.Phase.Should().Be(MigrationPhase.Succeeded, done.Status.Message);
        done.Status.Source!.Node.Should().Be("aws-1");
        done.Status.Target!.Node.Should().Be("onprem-1");
        done.Status.Downtime.Should().NotBeNullOrEmpty();
        done.Status.Progress!.BytesSent.Should().BePositive();
        Conditions.IsTrue(done.Status.Conditions, ConditionTypes.Succeeded).Should().BeTrue();
        await _h.UntilMigrationAsync("to-onprem", m => m.Metadata.Finalizers is null or { Count: 0 }, "a finished migration holds nothing (its finalizer is removed)");

        var moved = await _h.Cluster.UntilPodAsync("web", p => p.Status?.Migration is null, "the SuperPod is released");
        moved.Status!.Node.Should().Be("onprem-1");
        moved.Status.Cloud.Should().Be(CloudProvider.OnPrem);
        moved.Status.Phase.Should().Be(SuperPodPhase.Running);
        moved.Status.LastMigration!.Name.Should().Be("to-onprem");
        moved.Status.LastMigration.Phase.Should().Be(MigrationPhase.Succeeded);
        moved.Status.LastMigration.From!.Node.Should().Be("aws-1");
        moved.Status.LastMigration.To!.Node.Should().Be("onprem-1");
        Conditions.Find(moved.Status.Conditions, ConditionTypes.Migrating)!.Status.Should().Be("False");

        // Exactly one copy: running on the target, none left on the source.
        (await source.Driver.ListAsync(CancellationToken.None)).Should().BeEmpty();
        var vm = (await target.Driver.ListAsync(CancellationToken.None)).Should().ContainSingle().Which;
        vm.Id.Should().Be(created.Metadata.Uid);
        vm.State.Should().Be(nodeagent::SuperCloud.NodeAgent.Hypervisor.VmState.Running);
        string console = "";
        await Eventually.UntilAsync(
            () => (console = target.Driver.ReadConsoleTailAsync(vm.Id, 64 * 1024, CancellationToken.None).Result).Contains("MEMCHECK OK", StringComparison.Ordinal),
            "the guest's checker reports intact memory on the target", TimeSpan.FromSeconds(60)).ContinueWith(
                t => t.IsFaulted ? throw new TimeoutException($"{t.Exception!.InnerException!.Message}; console: {console}") : t, TaskScheduler.Default);
        console.Should().NotContain("CHECKER START", "the guest was not booted again on the target");
        console.Should().NotContain("MEMCHECK CORRUPT");

        // The metrics count this one migration with the figures its record holds.
        var record = moved.Status.LastMigration;
        var metrics = await _h.MetricsTextAsync();
        Sample(metrics, "supercloud_migrations_total{phase=\"Succeeded\",reason=\"Migrated\"}").Should().Be(1);
        Sample(metrics, "supercloud_migrations_total{phase=\"Failed\",reason=\"NoTarget\"}").Should().Be(1);
        Sample(metrics, "supercloud_migration_duration_seconds_count").Should().Be(1);
        var total = Crds.GoDuration.Parse(record.TotalTime!, "totalTime").TotalSeconds;
        Sample(metrics, "supercloud_migration_duration_seconds_sum").Should().BeApproximately(total, 0.5, $"status.lastMigration.totalTime is {record.TotalTime}")
            .And.BeLessThanOrEqualTo((record.CompletionTime!.Value - record.StartTime!.Value).TotalSeconds + 1);
        Sample(metrics, "supercloud_migration_downtime_seconds_count").Should().Be(1);
        var downtime = Crds.GoDuration.Parse(record.Downtime!, "downtime").TotalSeconds;
        Sample(metrics, "supercloud_migration_downtime_seconds_sum").Should().BeApproximately(downtime, 0.001, $"status.lastMigration.downtime is {record.Downtime}")
            .And.BePositive().And.BeLessThan(total);
        Sample(metrics, "supercloud_migration_transferred_bytes_total").Should().Be(record.BytesTransferred!.Value)
            .And.BeGreaterThanOrEqualTo(done.Status.Progress.BytesSent!.Value)
            .And.BeGreaterThan(32 << 20, "the guest's checker fills 32 MiB of its memory (sc.mem_mib=32), which must have been sent");
    }

    // The value of one sample (name with its labels) in Prometheus text exposition.
    private static double Sample(string metrics, string series)
    {
        var line = metrics.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        line.Should().NotBeNull($"{series} is exported:\n{metrics}");
        return double.Parse(line![(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [SkippableFact]
    public async Task Corrupted_stream_fails_cleanly_then_a_post_copy_migration_succeeds()
    {
        Skip.If(TestGuest.Missing is not null, TestGuest.Missing);
        var source = await _h.AddAgentAsync("aws-1", "aws-use1");
        var target = await _h.AddAgentAsync("aws-2", "aws-use1");
        _h.StartControllers();
        await _h.Cluster.UntilReadyAsync("aws-1", "aws-2");
        var created = await _h.CreateGuestPodAsync("db", "aws-use1");
        var pod = await _h.Cluster.UntilPodAsync("db", p => p.Status?.Phase == SuperPodPhase.Running, "the SuperPod runs", seconds: 30);
        var (home, other) = pod.Status!.Node == "aws-1" ? (source, target) : (target, source);
        await Eventually.UntilAsync(
            () => home.Driver.ReadConsoleTailAsync(created.Metadata.Uid, 64 * 1024, CancellationToken.None).Result.Contains("MEMCHECK OK", StringComparison.Ordinal),
            "the guest booted", TimeSpan.FromSeconds(60));

        // One flipped byte in the stream: the target's digest check catches it, the migration fails, the guest stays put.
        home.Migration.CorruptOutgoingStreamByteAt = 3_000_000;
        await _h.CreateMigrationAsync("corrupted", "db");
        var failed = await _h.UntilMigrationAsync("corrupted", m => SuperPodMigrationReconciler.IsFinished(m.Status?.Phase), "the migration ended", seconds: 60);
        home.Migration.CorruptOutgoingStreamByteAt = -1;
        failed.Status!.Phase.Should().Be(MigrationPhase.Failed);
        failed.Status.FailureReason.Should().Be("StreamCorrupted", failed.Status.Message);
        failed.Status.Message.Should().Contain($"the target {(other == source ? "aws-1" : "aws-2")} failed the transfer: the received migration stream failed verification");
        await _h.UntilMigrationAsync("corrupted", m => Conditions.IsTrue(m.Status?.Conditions, SuperPodMigrationReconciler.TargetCleanedUp), "the target's copy is removed");
        var after = await _h.Cluster.UntilPodAsync("db", p => p.Status?.Migration is null, "the SuperPod is released");
        after.Status!.Node.Should().Be(pod.Status.Node);
        after.Status.LastMigration!.Phase.Should().Be(MigrationPhase.Failed);
        (await other.Driver.ListAsync(CancellationToken.None)).Should().BeEmpty();
        (await home.Driver.GetAsync(created.Metadata.Uid, CancellationToken.None)).State.Should().Be(nodeagent::SuperCloud.NodeAgent.Hypervisor.VmState.Running);

        // A guest that dirties memory faster than the 4 MiB/s link never converges: at the completion timeout it switches to post-copy.
        await _h.CreateMigrationAsync("postcopy", "db", limits: new MigrationLimits
        {
            Bandwidth = new ResourceQuantity("4Mi"), MaxDowntime = "1ms", CompletionTimeoutPerGiB = "3s", AllowPostCopy = true, AllowAutoConverge = true,
        });
        var done = await _h.UntilMigrationAsync("postcopy", m => SuperPodMigrationReconciler.IsFinished(m.Status?.Phase), "the post-copy migration finished", seconds: 120);
        done.Status!.Phase.Should().Be(MigrationPhase.Succeeded, done.Status.Message);
        done.Status.Progress!.PostCopy.Should().BeTrue();
        (await _h.Cluster.GetPodAsync("db")).Status!.Node.Should().Be(other == source ? "aws-1" : "aws-2");
        string console = "";
        await Eventually.UntilAsync(
            () => (console = other.Driver.ReadConsoleTailAsync(created.Metadata.Uid, 64 * 1024, CancellationToken.None).Result).Contains("MEMCHECK OK", StringComparison.Ordinal),
            "the checker reports intact memory after post-copy", TimeSpan.FromSeconds(90));
        console.Should().NotContain("MEMCHECK CORRUPT");
        (await home.Driver.ListAsync(CancellationToken.None)).Should().BeEmpty();
    }
}
