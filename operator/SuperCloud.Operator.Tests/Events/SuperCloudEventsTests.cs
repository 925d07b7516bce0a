using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Events;

namespace SuperCloud.Operator.Tests.Events;

public sealed class SuperCloudEventsTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Migration_through_its_phases_yields_started_progress_and_succeeded_in_order()
    {
        var steps = new (MigrationPhase? Phase, long? Sent)[]
        {
            (null, null), (MigrationPhase.Pending, null), (MigrationPhase.PreparingTarget, null), (MigrationPhase.Transferring, 1000),
            (MigrationPhase.Transferring, 1000), (MigrationPhase.Transferring, 5000), (MigrationPhase.Switching, 8000), (MigrationPhase.Succeeded, 8000),
        };
        var types = new List<string>();
        SuperPodMigration? old = null;
        var version = 1;
        foreach (var (phase, sent) in steps)
        {
            var now = Migration(phase, sent, version++);
            types.AddRange(SuperCloudEvents.ForMigration(old, now, Now).Select(e => e.Type!));
            old = now;
        }

        types.Should().Equal(
            SuperCloudEventTypes.MigrationStarted,
            SuperCloudEventTypes.MigrationProgress,
            SuperCloudEventTypes.MigrationProgress,
            SuperCloudEventTypes.MigrationProgress,
            SuperCloudEventTypes.MigrationProgress,
            SuperCloudEventTypes.MigrationSucceeded);
    }

    [Fact]
    public void Migration_events_carry_the_required_attributes_and_name_the_superpod()
    {
        var events = SuperCloudEvents.ForMigration(Migration(MigrationPhase.Pending, null, 1), Migration(MigrationPhase.Scheduling, null, 2), Now).ToList();

        events.Select(e => e.Type).Should().Equal(SuperCloudEventTypes.MigrationStarted, SuperCloudEventTypes.MigrationProgress);
        events.Should().OnlyContain(e => e.IsValid && (string?)e[SuperCloudEvents.SuperPodExtension] == "default/web");
        var started = events[0];

        started.SpecVersion.VersionId.Should().Be("1.0");
        started.Id.Should().Be("uid-m/2/" + SuperCloudEventTypes.MigrationStarted);
        started.Source!.ToString().Should().Be("/apis/supercloud.dev/v1alpha1/namespaces/default/superpodmigrations/move");
        started.Subject.Should().Be("move");
        started.Time.Should().Be(Now);
        started.DataContentType.Should().Be("application/json");
        started[SuperCloudEvents.SuperPodExtension].Should().Be("default/web");
        started.IsValid.Should().BeTrue();
    }

    [Fact]
    public void Failed_migration_yields_failed_with_its_reason()
    {
        var failed = Migration(MigrationPhase.Failed, 100, 3);
        failed.Status!.FailureReason = "TargetUnreachable";

        var events = SuperCloudEvents.ForMigration(Migration(MigrationPhase.Transferring, 100, 2), failed, Now).ToList();

        events.Select(e => e.Type).Should().Equal(SuperCloudEventTypes.MigrationFailed);
        events[0].Data!.ToString().Should().Contain("TargetUnreachable");
    }

    [Fact]
    public void Policy_created_migration_is_a_policy_decision_and_a_manual_one_is_not()
    {
        var byPolicy = Migration(null, null, 1);
        byPolicy.Spec.Reason = MigrationReason.SpotPrice;
        byPolicy.Metadata.OwnerReferences = [new V1OwnerReference { Kind = "MigrationPolicy", Name = "cheapest", ApiVersion = SuperCloudApi.GroupVersion, Uid = "p" }];

        SuperCloudEvents.ForMigration(null, byPolicy, Now).Select(e => e.Type).Should().Equal(SuperCloudEventTypes.PolicyDecision);
        SuperCloudEvents.ForMigration(null, Migration(null, null, 1), Now).Should().BeEmpty();
    }

    [Fact]
    public void Policy_decision_names_the_policy_whose_label_the_migration_carries()
    {
        var byPolicy = Migration(null, null, 1);
        byPolicy.Spec.Reason = MigrationReason.SpotInterruption;
        byPolicy.Metadata.Labels = new Dictionary<string, string> { [SuperCloudApi.MigrationPolicyLabel] = "evacuate" };

        var decision = SuperCloudEvents.ForMigration(null, byPolicy, Now).Single();

        decision.Type.Should().Be(SuperCloudEventTypes.PolicyDecision);
        var data = decision.Data.Should().BeOfType<System.Text.Json.Nodes.JsonObject>().Subject;
        data["policy"]!.GetValue<string>().Should().Be("evacuate");
        data["reason"]!.GetValue<string>().Should().Be("SpotInterruption");
    }

    [Fact]
    public void SuperPod_bound_then_running_yields_scheduled_then_running_once()
    {
        var pending = Pod(null, null, 1);
        var scheduled = Pod(SuperPodPhase.Scheduled, "n1", 2);
        var running = Pod(SuperPodPhase.Running, "n1", 3);
        var migrating = Pod(SuperPodPhase.Migrating, "n1", 4);
        var movedRunning = Pod(SuperPodPhase.Running, "n2", 5);

        var types = new[] { (pending, scheduled), (scheduled, running), (running, migrating), (migrating, movedRunning) }
            .SelectMany(p => SuperCloudEvents.ForSuperPod(p.Item1, p.Item2, Now)).Select(e => e.Type).ToList();

        types.Should().Equal(SuperCloudEventTypes.Scheduled, SuperCloudEventTypes.Running);
    }

    [Fact]
    public void Spot_interruption_notice_yields_one_event_listing_the_superpods_there()
    {
        var before = new SuperNode { Metadata = new V1ObjectMeta { Name = "spot-1", Uid = "n", ResourceVersion = "1" }, Spec = new SuperNodeSpec { Cluster = "c", AgentEndpoint = "h:1" } };
        var after = new SuperNode
        {
            Metadata = new V1ObjectMeta { Name = "spot-1", Uid = "n", ResourceVersion = "2" },
            Spec = before.Spec,
            Status = new SuperNodeStatus { InterruptionNotice = new InterruptionNotice { Time = Now.UtcDateTime.AddMinutes(2), Reason = "terminate" } },
        };

        var events = SuperCloudEvents.ForSuperNode(before, after, ["default/web"], Now).ToList();

        events.Select(e => e.Type).Should().Equal(SuperCloudEventTypes.SpotInterruption);
        events[0].Data!.ToString().Should().Contain("default/web");
        SuperCloudEvents.ForSuperNode(after, after, ["default/web"], Now).Should().BeEmpty("the notice was already announced");
    }

    private static SuperPodMigration Migration(MigrationPhase? phase, long? sent, int version) => new()
    {
        Metadata = new V1ObjectMeta { Name = "move", NamespaceProperty = "default", Uid = "uid-m", ResourceVersion = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        Spec = new SuperPodMigrationSpec { SuperPod = "web" },
        Status = phase is null ? null : new SuperPodMigrationStatus
        {
            Phase = phase,
            Progress = sent is null ? null : new MigrationProgress { BytesSent = sent, BytesRemaining = 10000 - sent },
            Source = new PlacementLocation { Node = "n1" },
            Target = new PlacementLocation { Node = "n2" },
        },
    };

    private static SuperPod Pod(SuperPodPhase? phase, string? node, int version) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-p", ResourceVersion = version.ToString(System.Globalization.CultureInfo.InvariantCulture) },
        Spec = new SuperPodSpec { Resources = new SuperPodResources { Cpu = new ResourceQuantity("1"), Memory = new ResourceQuantity("1Gi") }, Boot = new BootSource { Image = "supercloud/test-guest:latest" } },
        Status = phase is null ? null : new SuperPodStatus { Phase = phase, Node = node },
    };
}
