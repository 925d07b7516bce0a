using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Kubectl.Output;

namespace SuperCloud.Kubectl.Tests.Output;

public sealed class OutputTests
{
    [Fact]
    public void The_progress_bar_fills_with_the_memory_sent_and_shows_QEMUs_counters()
    {
        var migration = Migration(MigrationPhase.Transferring, new MigrationProgress
        {
            BytesSent = 96L << 20, BytesRemaining = 32L << 20, DirtyRateBytesPerSecond = 2L << 20, Iterations = 3,
        });

        ProgressBar.Render(migration).Should().Be(
            "[" + new string('#', 23) + new string('.', 7) + "]  75%  Transferring  sent 96.0 MiB, remaining 32.0 MiB, dirty 2.0 MiB/s, iteration 3");
    }

    [Fact]
    public void The_progress_bar_is_empty_before_the_transfer_and_full_once_succeeded()
    {
        ProgressBar.Render(Migration(MigrationPhase.PreparingTarget, null)).Should().Be("[" + new string('.', 30) + "]   0%  PreparingTarget");
        ProgressBar.Render(Migration(MigrationPhase.Succeeded, null)).Should().Be("[" + new string('#', 30) + "] 100%  Succeeded");
    }

    [Fact]
    public void The_summary_says_where_the_SuperPod_went_and_how_long_it_took()
    {
        var migration = Migration(MigrationPhase.Succeeded, null);
        migration.Status!.Source = new PlacementLocation { Node = "aws-us-east-1-1", Cluster = "aws-us-east-1" };
        migration.Status.Target = new PlacementLocation { Node = "onprem-1", Cluster = "onprem" };
        migration.Status.TotalTime = "2.4s";
        migration.Status.Downtime = "41ms";

        ProgressBar.Summary(migration).Should().Be("SuperPod shop/web-1 moved from aws-us-east-1-1 (aws-us-east-1) to onprem-1 (onprem) in 2.4s (downtime 41ms)");
        ProgressBar.IsFinished(migration).Should().BeTrue();
    }

    [Fact]
    public void A_failed_migration_says_why_and_where_the_SuperPod_stays()
    {
        var migration = Migration(MigrationPhase.Failed, null);
        migration.Status!.Source = new PlacementLocation { Node = "aws-us-east-1-1" };
        migration.Status.FailureReason = "TargetUnreachable";
        migration.Status.Message = "no route to onprem-1";

        ProgressBar.Summary(migration).Should().Be(
            "migration web-1-migration-x of SuperPod shop/web-1 failed: TargetUnreachable: no route to onprem-1; the SuperPod stays on aws-us-east-1-1");
    }

    [Fact]
    public void The_cost_table_shows_each_SuperPod_and_each_cloud_with_the_saving_over_on_demand()
    {
        var pods = new List<SuperPod>
        {
            Pod("web-2", CloudProvider.OnPrem, "onprem-1", new CostStatus { Currency = "USD", RatePerHour = "0.01", Capacity = CapacityType.OnDemand, Accumulated = "0.5", OnDemandAccumulated = "0.5" }),
            Pod("web-1", CloudProvider.Aws, "aws-us-east-1-2", new CostStatus { Currency = "USD", RatePerHour = "0.012", Capacity = CapacityType.Spot, Accumulated = "0.25", OnDemandAccumulated = "1" }),
            Pod("new", null, null, null),
        };
        var clusters = new List<SuperCluster>
        {
            Cluster("aws-us-east-1", CloudProvider.Aws, new CostStatus { Currency = "USD", RatePerHour = "0.012", Accumulated = "0.25", OnDemandAccumulated = "1" }),
            Cluster("aws-eu-west-1", CloudProvider.Aws, new CostStatus { Currency = "USD", RatePerHour = "0", Accumulated = "0.75", OnDemandAccumulated = "1" }),
            Cluster("onprem", CloudProvider.OnPrem, null),
        };

        var table = CostTable.Render(pods, clusters, showNamespace: false);

        table.Should().Be("""
            NAME    CLOUD    REGION      NODE              CAPACITY   RATE/H       ACCUMULATED   ON-DEMAND    SAVING
            new     -        -           -                 -          -            -             -            -
            web-1   aws      us-east-1   aws-us-east-1-2   Spot       0.0120 USD   0.2500 USD    1.0000 USD   75.0%
            web-2   onprem   local       onprem-1          OnDemand   0.0100 USD   0.5000 USD    0.5000 USD   0.0%

            CLOUD    SUPERCLUSTERS                 RATE/H       ACCUMULATED   ON-DEMAND    SAVING
            aws      aws-eu-west-1,aws-us-east-1   0.0120 USD   1.0000 USD    2.0000 USD   50.0%
            onprem   onprem                        -            -             -            -

            """.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void Status_shows_the_placement_the_schedulers_reasons_the_last_migration_and_the_cost()
    {
        var pod = Pod("web-1", CloudProvider.Aws, "aws-us-east-1-2", new CostStatus
        {
            Currency = "USD", RatePerHour = "0.012", Capacity = CapacityType.Spot, Accumulated = "0.25", OnDemandAccumulated = "1",
            Since = new DateTime(2026, 12, 7, 20, 0, 0, DateTimeKind.Utc),
        });
        pod.Status!.Cluster = "aws-us-east-1";
        pod.Status.OwnerEpoch = 2;
        pod.Status.Conditions =
        [
            new V1Condition { Type = "Scheduled", Status = "True", Reason = "Scheduled", Message = "bound to aws-us-east-1-2: 2 of 5 nodes fit (3 filtered: cloud not allowed)" },
            new V1Condition { Type = "Ready", Status = "True", Reason = "Running", Message = "VM runs" },
        ];
        pod.Status.LastMigration = new MigrationRecord
        {
            Name = "web-1-migration-abc", Phase = MigrationPhase.Succeeded, Reason = MigrationReason.Manual, From = new PlacementLocation { Node = "onprem-1" },
            To = new PlacementLocation { Node = "aws-us-east-1-2" }, TotalTime = "2.4s", Downtime = "41ms", BytesTransferred = 150L << 20,
            CompletionTime = new DateTime(2026, 12, 7, 21, 0, 0, DateTimeKind.Utc),
        };

        var text = StatusView.Render(pod, null);

        text.Should().Contain("  Phase:          Running (Ready True: Running)\n")
            .And.Contain("  Placement:      node aws-us-east-1-2, cluster aws-us-east-1, cloud aws, region us-east-1, owner epoch 2\n")
            .And.Contain("  Scheduler:      Scheduled: bound to aws-us-east-1-2: 2 of 5 nodes fit (3 filtered: cloud not allowed)\n")
            .And.Contain("  Migration:      none\n")
            .And.Contain("  Last migration: web-1-migration-abc Succeeded (Manual) from onprem-1 to aws-us-east-1-2 in 2.4s, downtime 41ms, 150.0 MiB, 2026-12-07 21:00:00Z\n")
            .And.Contain("  Cost:           0.0120 USD/h (spot); 0.2500 USD since 2026-12-07 20:00:00Z, on-demand 1.0000 USD (saving 75.0%)\n")
            .And.Contain("    Scheduled   True");
    }

    [Fact]
    public void A_SuperPod_not_yet_accounted_says_so()
    {
        StatusView.Cost(null).Should().Be("not accounted yet");
    }

    private static SuperPodMigration Migration(MigrationPhase phase, MigrationProgress? progress) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-1-migration-x", NamespaceProperty = "shop" },
        Spec = new SuperPodMigrationSpec { SuperPod = "web-1" },
        Status = new SuperPodMigrationStatus { Phase = phase, Progress = progress },
    };

    private static SuperPod Pod(string name, CloudProvider? cloud, string? node, CostStatus? cost) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop" },
        Spec = new SuperPodSpec { Resources = new SuperPodResources { Cpu = "1", Memory = "128Mi" }, Boot = new BootSource { Image = "supercloud/test-guest:latest" } },
        Status = new SuperPodStatus
        {
            Phase = node is null ? SuperPodPhase.Pending : SuperPodPhase.Running, Node = node, Cloud = cloud,
            Region = cloud switch { CloudProvider.Aws => "us-east-1", CloudProvider.OnPrem => "local", _ => null }, Cost = cost,
        },
    };

    private static SuperCluster Cluster(string name, CloudProvider cloud, CostStatus? cost) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new SuperClusterSpec { Provider = cloud, Region = name },
        Status = new SuperClusterStatus { Cost = cost },
    };
}
