using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.NodeAgent.Hypervisor.Xen;
using SuperCloud.NodeAgent.Registration;

namespace SuperCloud.NodeAgent.Tests.Registration;

/// <summary>The agent's SuperNode registration and Lease heartbeat against a real in-process lab API server.</summary>
public sealed class NodeRegistrationTests : IAsyncLifetime
{
    private RegistrationLab _lab = null!;

    public async Task InitializeAsync() => _lab = await RegistrationLab.StartAsync();

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [SkippableFact]
    public async Task First_registration_creates_the_SuperNode_with_labels_capacity_and_Ready_condition()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());

        var node = await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready");

        node.Metadata.Labels.Should().Contain(new Dictionary<string, string>
        {
            [NodeLabels.Cluster] = "lab-eu",
            [NodeLabels.Cloud] = "aws",
            [NodeLabels.Region] = "eu-west-1",
            [NodeLabels.Zone] = "eu-west-1a",
        });
        node.Spec.Cluster.Should().Be("lab-eu");
        node.Spec.Hypervisor.Should().Be(Crds.V1Alpha1.Hypervisor.Qemu);
        node.Spec.AgentEndpoint.Should().Be("agent-1.lab:7443");
        node.Spec.UnderlayIp.Should().Be("10.0.0.11");
        node.Spec.Spot.Should().BeTrue();
        var status = node.Status!;
        status.Capacity!.Cpu!.ToInt32().Should().Be(Environment.ProcessorCount);
        status.Capacity.Memory!.ToInt64().Should().BeGreaterThan(128L * 1024 * 1024);
        status.Capacity.SuperPods.Should().Be(110);
        // Allocatable is capacity minus the configured reservation (128 MiB of memory, no CPU).
        (status.Capacity.Memory.ToInt64() - status.Allocatable!.Memory!.ToInt64()).Should().Be(128L * 1024 * 1024);
        status.Allocatable.Cpu!.ToInt32().Should().Be(Environment.ProcessorCount);
        status.AgentVersion.Should().NotBeNullOrEmpty();
        status.ObservedGeneration.Should().Be(node.Metadata.Generation);
        status.LastHeartbeatTime.Should().NotBeNull();
        var ready = RegistrationLab.Ready(node)!;
        ready.Status.Should().Be("True");
        ready.Reason.Should().Be(HostReport.AgentReadyReason);
        ready.Message.Should().Contain("qemu");
        node.Metadata.ManagedFields.Should().Contain(f => f.Manager == NodeRegistrationOptions.FieldManager && f.Operation == "Apply");
    }

    [SkippableFact]
    public async Task Restart_re_registers_without_clobbering_unschedulable_taints_and_labels_set_by_a_user()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        var agent = await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        var first = await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready");

        // What `kubectl cordon`-like edits and `kubectl taint` / `kubectl label` send: merge patches under other managers.
        var userPatch = """
            {"metadata":{"labels":{"team":"video"}},
             "spec":{"unschedulable":true,"taints":[{"key":"maintenance","value":"disk","effect":"NoSchedule"}]}}
            """;
        await _lab.Client.CustomObjects.PatchClusterCustomObjectAsync(new V1Patch(userPatch, V1Patch.PatchType.MergePatch),
            SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, "agent-1", fieldManager: "kubectl-edit");
        await _lab.StopAgentAsync(agent);
        await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.NotReady, "SuperNode agent-1 NotReady after stop");

        // The restarted agent advertises a new endpoint: its own field changes, the user's do not.
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions("agent-1.lab:7444"));
        var node = await _lab.WaitForNodeAsync("agent-1",
            n => n.Spec.AgentEndpoint == "agent-1.lab:7444" && n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 re-registered and Ready");

        node.Metadata.Uid.Should().Be(first.Metadata.Uid);
        node.Spec.Unschedulable.Should().BeTrue();
        node.Spec.Taints.Should().ContainSingle().Which.Key.Should().Be("maintenance");
        node.Metadata.Labels.Should().Contain("team", "video").And.Contain(NodeLabels.Cluster, "lab-eu");
        RegistrationLab.Ready(node)!.Status.Should().Be("True");
    }

    [SkippableFact]
    public async Task Lease_is_held_by_the_node_owned_by_its_SuperNode_and_renewed()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        var node = await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready");

        var first = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime is not null, "Lease agent-1 created");
        first.Spec.HolderIdentity.Should().Be("agent-1");
        first.Spec.LeaseDurationSeconds.Should().Be(40);
        first.Metadata.OwnerReferences.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            ApiVersion = SuperCloudApi.GroupVersion,
            Kind = SuperNode.KubeKind,
            Name = "agent-1",
            Uid = node.Metadata.Uid,
        });

        var renewed = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime > first.Spec.RenewTime, "Lease agent-1 renewed");
        renewed.Metadata.ResourceVersion.Should().NotBe(first.Metadata.ResourceVersion);
    }

    [SkippableFact]
    public async Task Status_is_not_rewritten_on_every_lease_renewal()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        var node = await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready");
        var lease = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime is not null, "Lease agent-1 created");

        // Three more renewals, while the status report interval (10 min) has not elapsed and nothing changed.
        for (var i = 0; i < 3; i++)
        {
            var previous = lease.Spec.RenewTime;
            lease = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime > previous, $"Lease renewal {i + 1}");
        }

        var after = await _lab.TryGetNodeAsync("agent-1");
        after!.Metadata.ResourceVersion.Should().Be(node.Metadata.ResourceVersion);
        after.Status!.LastHeartbeatTime.Should().Be(node.Status!.LastHeartbeatTime);
    }

    [SkippableFact]
    public async Task Api_failures_are_retried_without_stopping_the_agent_and_the_lease_is_renewed_after()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        // Registration itself fails three times before it succeeds.
        _lab.Server.Faults.FailNext(3, 503, "/supernodes/agent-1", "patch");
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready after failed attempts");
        var before = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime is not null, "Lease agent-1 created");

        // Then the Lease writes fail (server errors on reads and updates alike) for a while.
        _lab.Server.Faults.FailNext(4, 500, "/leases/agent-1", "update");
        await Poll.UntilAsync(() => Task.FromResult(_lab.Logs.Events.Count(e => e.Message.Contains("Renewing the Lease of SuperNode agent-1 failed", StringComparison.Ordinal))),
            failures => failures >= 2, TimeSpan.FromSeconds(5), "lease failures logged");
        var after = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime > before.Spec.RenewTime, "Lease agent-1 renewed after the failures");

        after.Spec.HolderIdentity.Should().Be("agent-1");
        _lab.Logs.Events.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("Registering or reporting SuperNode agent-1 failed: 503", StringComparison.Ordinal));
        var node = await _lab.TryGetNodeAsync("agent-1");
        RegistrationLab.Ready(node!)!.Status.Should().Be("True");
    }

    [SkippableFact]
    public async Task A_conflicting_lease_write_is_retried_from_a_fresh_read()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime is not null, "Lease agent-1 created");

        // Another writer changes the Lease: the agent's cached resourceVersion is now stale, its next update gets 409.
        // (The test's own write may race a renewal and get the 409 itself: then it reads again.)
        var touched = await Poll.UntilAsync(async () =>
        {
            var lease = await _lab.TryGetLeaseAsync("agent-1");
            lease!.Metadata.Labels = new Dictionary<string, string> { ["touched-by"] = "test" };
            try
            {
                return await _lab.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "agent-1", RegistrationLab.Namespace);
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                return null;
            }
        }, l => l is not null, TimeSpan.FromSeconds(5), "Lease agent-1 touched by another writer");

        var renewed = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime > touched!.Spec.RenewTime, "Lease agent-1 renewed after a conflict");
        renewed.Metadata.Labels.Should().Contain("touched-by", "test");
        _lab.Logs.Events.Should().NotContain(e => e.Level >= LogLevel.Warning, "a conflict is resolved within the renewal");
    }

    [SkippableFact]
    public async Task Graceful_stop_marks_the_SuperNode_NotReady_with_reason_AgentStopped()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        var agent = await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        var ready = await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready");

        await _lab.StopAgentAsync(agent);

        var node = await _lab.TryGetNodeAsync("agent-1");
        node!.Status!.Phase.Should().Be(SuperNodePhase.NotReady);
        var condition = RegistrationLab.Ready(node)!;
        condition.Status.Should().Be("False");
        condition.Reason.Should().Be(HostReport.AgentStoppedReason);
        condition.LastTransitionTime.Should().BeOnOrAfter(RegistrationLab.Ready(ready)!.LastTransitionTime);
    }

    [SkippableFact]
    public async Task Conditions_written_by_the_operator_survive_the_agents_status_writes()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        var agent = await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready");

        // The operator applies its own condition to /status under its own field manager.
        var operatorStatus = """
            {"apiVersion":"supercloud.dev/v1alpha1","kind":"SuperNode","metadata":{"name":"agent-1"},
             "status":{"conditions":[{"type":"InterruptionPending","status":"True","reason":"SpotInterruption","message":"reclaimed soon","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}
            """;
        await _lab.Client.CustomObjects.PatchClusterCustomObjectStatusAsync(new V1Patch(operatorStatus, V1Patch.PatchType.ApplyPatch),
            SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, "agent-1", fieldManager: "supercloud-operator", force: true);
        await _lab.StopAgentAsync(agent);

        var node = await _lab.TryGetNodeAsync("agent-1");
        node!.Status!.Conditions.Should().Contain(c => c.Type == ConditionTypes.InterruptionPending && c.Status == "True");
        RegistrationLab.Ready(node)!.Reason.Should().Be(HostReport.AgentStoppedReason);
    }

    [SkippableFact]
    public async Task Deleting_the_SuperNode_removes_its_Lease_and_the_running_agent_registers_again()
    {
        Skip.If(TestEnvironment.QemuMissing is not null, TestEnvironment.QemuMissing);
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(), RegistrationLab.FastOptions());
        var node = await _lab.WaitForNodeAsync("agent-1", n => n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 Ready");
        var first = await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime is not null, "Lease agent-1 created");

        await _lab.Client.CustomObjects.DeleteClusterCustomObjectAsync(SuperNode.KubeGroup, SuperNode.KubeApiVersion, SuperNode.KubePluralName, "agent-1");

        var again = await _lab.WaitForNodeAsync("agent-1", n => n.Metadata.Uid != node.Metadata.Uid && n.Status?.Phase == SuperNodePhase.Ready, "SuperNode agent-1 registered again");
        var lease = await _lab.WaitForLeaseAsync("agent-1", l => l.Metadata.OwnerReferences?.SingleOrDefault()?.Uid == again.Metadata.Uid, "Lease agent-1 owned by the new SuperNode");
        lease.Spec.HolderIdentity.Should().Be("agent-1");
        lease.Metadata.Uid.Should().NotBe(first.Metadata.Uid, "the garbage collector deleted the old Lease with its owner");
    }

    [Fact]
    public async Task A_host_without_a_working_hypervisor_registers_NotReady_with_the_reason()
    {
        await _lab.StartAgentAsync(RegistrationLab.AgentOptions(hypervisor: "xen"), RegistrationLab.FastOptions(),
            new XenDriver(new XenDriverOptions { XlBinary = "/nonexistent/xl" }, GuestImage.OfflineCache(), TimeProvider.System));

        var node = await _lab.WaitForNodeAsync("agent-1", n => n.Status is not null, "SuperNode agent-1 with a status");

        node.Spec.Hypervisor.Should().Be(Crds.V1Alpha1.Hypervisor.Xen);
        node.Spec.Accelerator.Should().BeNull();
        node.Status!.Phase.Should().Be(SuperNodePhase.NotReady);
        var condition = RegistrationLab.Ready(node)!;
        condition.Status.Should().Be("False");
        condition.Reason.Should().Be(HostReport.HypervisorUnavailableReason);
        condition.Message.Should().NotBeNullOrEmpty();
        await _lab.WaitForLeaseAsync("agent-1", l => l.Spec.RenewTime is not null, "Lease agent-1 created: the agent heartbeats even when its hypervisor is broken");
    }
}
