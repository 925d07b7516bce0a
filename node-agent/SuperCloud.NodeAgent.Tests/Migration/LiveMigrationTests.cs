using Grpc.Core;
using SuperCloud.NodeAgent.Hypervisor.Qemu;
using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Migration;

/// <summary>Live migration between two real agents: real QEMU guests, the relay over mutual TLS, the native shim pump.</summary>
public sealed class LiveMigrationTests(MigrationAgents agents) : IClassFixture<MigrationAgents>
{
    private static readonly TimeSpan MigrationTimeout = TimeSpan.FromSeconds(90);

    [SkippableFact]
    public async Task Running_guest_moves_to_the_other_agent_and_keeps_its_memory_and_heartbeat()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        var beforeBeat = ConsoleLog.LastHeartbeat(await source.ConsoleAsync())!.Value;

        var final = await MigrateAsync(source, target, "move-1", new V1.MigrationOptions { MaxDowntimeMs = 300 });

        final.Phase.Should().Be(V1.MigrationPhase.Switched, final.Message);
        final.BytesTransferred.Should().BePositive();
        final.StreamPayloadBytes.Should().BeGreaterThanOrEqualTo(final.BytesTransferred, "every byte QEMU sent went through the pump");
        final.StreamWireBytes.Should().BeGreaterThan(final.StreamPayloadBytes, "the frames add headers");
        final.SourceStoppedAt.Should().NotBeNull();
        final.ResumeAcknowledgedAt.ToDateTimeOffset().Should().BeOnOrAfter(final.SourceStoppedAt.ToDateTimeOffset());
        final.HandedOver.Should().BeTrue();
        final.NodeName.Should().Be(source.Name);
        var sourceVm = await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10));
        sourceVm.State.Should().Be(V1.VmState.Paused);
        sourceVm.Reason.Should().Be(QemuDriver.MigratedOutReason);
        sourceVm.MigrationState.Should().Be(V1.VmMigrationState.MigratedOut);
        sourceVm.Epoch.Should().Be(agents.Epoch, "the source's copy keeps its epoch");
        var targetVm = await target.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10));
        targetVm.State.Should().Be(V1.VmState.Running);
        targetVm.Reason.Should().Be(QemuDriver.MigratedInReason);
        targetVm.Epoch.Should().Be(agents.Epoch + 1, "the target's copy runs under the next epoch");

        // The guest continues where it was: its heartbeat counter goes on (no reboot) and the checker finds memory intact.
        var console = await Poll.UntilAsync(target.ConsoleAsync, c => ConsoleLog.MemcheckOkGenerations(c).Count >= 2, TimeSpan.FromSeconds(60), "two MEMCHECK OK on the target");
        ConsoleLog.HasMemcheckCorrupt(console).Should().BeFalse(console);
        console.Should().NotContain("CHECKER START", "the guest was not booted again");
        ConsoleLog.LastHeartbeat(console).Should().BeGreaterThan(beforeBeat);

        // A source that completed must never run again: resuming it is refused, under its own epoch or the new one.
        foreach (var epoch in new[] { agents.Epoch, agents.Epoch + 1 })
        {
            var resume = async () => await source.Client.ResumeVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId, Epoch = epoch }, deadline: MigrationAgents.Deadline(10));
            var refused = (await resume.Should().ThrowAsync<RpcException>()).Which;
            refused.StatusCode.Should().Be(StatusCode.FailedPrecondition);
            refused.Status.Detail.Should().Contain("epoch");
        }

        await FinishMoveAsync(source, target);
    }

    [SkippableFact]
    public async Task Wrong_token_is_refused_and_the_guest_keeps_running_on_the_source()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        await target.Client.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest
        {
            MigrationId = "bad-token", Token = MigrationAgents.NewToken(), Spec = MigrationSpec(), SourceNode = source.Name, Epoch = agents.Epoch + 1,
        }, deadline: MigrationAgents.Deadline(30));

        V1.MigrationStatus started;
        try
        {
            started = await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
            {
                MigrationId = "bad-token", VmId = MigrationAgents.VmId, Token = MigrationAgents.NewToken(), TargetNode = target.Name, TargetEndpoint = target.Endpoint,
                SourceEpoch = agents.Epoch, TargetEpoch = agents.Epoch + 1,
            }, deadline: MigrationAgents.Deadline(30));
        }
        finally
        {
            await DropTargetAsync(target, "bad-token");
        }

        started.Phase.Should().Be(V1.MigrationPhase.Failed);
        started.FailureReason.Should().Be(V1.MigrationFailureReason.TargetRejected, started.Message);
        started.Message.Should().Contain("token does not match");
        (await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10))).State.Should().Be(V1.VmState.Running);
        (await target.HasVmAsync()).Should().BeFalse("aborting the target drops its incoming VM");
    }

    [SkippableFact]
    public async Task A_token_expires_with_the_migrations_completion_timeout()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        var token = MigrationAgents.NewToken();
        var options = new V1.MigrationOptions { MaxDowntimeMs = 300, CompletionTimeoutMs = 200 };
        await target.Client.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest
        {
            MigrationId = "expired", Token = token, Spec = MigrationSpec(), SourceNode = source.Name, Options = options, Epoch = agents.Epoch + 1,
        }, deadline: MigrationAgents.Deadline(30));
        // Past the token's lifetime: the source comes too late.
        await Task.Delay(TimeSpan.FromMilliseconds(400));

        V1.MigrationStatus started;
        try
        {
            started = await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
            {
                MigrationId = "expired", VmId = MigrationAgents.VmId, Token = token, TargetNode = target.Name, TargetEndpoint = target.Endpoint, Options = options,
                SourceEpoch = agents.Epoch, TargetEpoch = agents.Epoch + 1,
            }, deadline: MigrationAgents.Deadline(30));
        }
        finally
        {
            await DropTargetAsync(target, "expired");
        }

        started.Phase.Should().Be(V1.MigrationPhase.Failed);
        started.FailureReason.Should().Be(V1.MigrationFailureReason.TargetRejected, started.Message);
        started.Message.Should().Contain("token expired");
        (await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10))).State.Should().Be(V1.VmState.Running);
    }

    [SkippableFact]
    public async Task Target_that_is_not_the_expected_node_is_refused_before_any_byte_moves()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        await target.Client.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest
        {
            MigrationId = "wrong-peer", Token = MigrationAgents.NewToken(), Spec = MigrationSpec(), SourceNode = source.Name, Epoch = agents.Epoch + 1,
        }, deadline: MigrationAgents.Deadline(30));

        // The source expects another node at the target's address: the TLS identity check stops it.
        V1.MigrationStatus started;
        try
        {
            started = await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
            {
                MigrationId = "wrong-peer", VmId = MigrationAgents.VmId, Token = MigrationAgents.NewToken(), TargetNode = "agent-z", TargetEndpoint = target.Endpoint,
                SourceEpoch = agents.Epoch, TargetEpoch = agents.Epoch + 1,
            }, deadline: MigrationAgents.Deadline(30));
        }
        finally
        {
            await DropTargetAsync(target, "wrong-peer");
        }

        started.Phase.Should().Be(V1.MigrationPhase.Failed);
        started.FailureReason.Should().Be(V1.MigrationFailureReason.TargetIdentityMismatch);
        started.Message.Should().Contain("not the target 'node/agent-z'");
    }

    [SkippableFact]
    public async Task Source_presenting_another_nodes_certificate_is_refused_by_the_target()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        var token = MigrationAgents.NewToken();

        // The target waits for agent-z; the source's client certificate says it is agent-a (or agent-b).
        await target.Client.PrepareMigrationTargetAsync(new V1.PrepareMigrationTargetRequest
        {
            MigrationId = "wrong-source", Token = token, Spec = MigrationSpec(), SourceNode = "agent-z", Epoch = agents.Epoch + 1,
        }, deadline: MigrationAgents.Deadline(30));
        V1.MigrationStatus started;
        try
        {
            started = await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
            {
                MigrationId = "wrong-source", VmId = MigrationAgents.VmId, Token = token, TargetNode = target.Name, TargetEndpoint = target.Endpoint,
                SourceEpoch = agents.Epoch, TargetEpoch = agents.Epoch + 1,
            }, deadline: MigrationAgents.Deadline(30));
        }
        finally
        {
            await DropTargetAsync(target, "wrong-source");
        }

        started.Phase.Should().Be(V1.MigrationPhase.Failed);
        started.FailureReason.Should().Be(V1.MigrationFailureReason.TargetRejected);
        started.Message.Should().Contain($"the target agent {target.Name} refused the migration");
        (await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10))).State.Should().Be(V1.VmState.Running);
    }

    [SkippableFact]
    public async Task Corrupted_byte_in_the_stream_fails_the_migration_and_the_guest_keeps_running_intact()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        source.Migration.CorruptOutgoingStreamByteAt = 5_000_000;
        try
        {
            var final = await MigrateAsync(source, target, "corrupt-1", new V1.MigrationOptions { MaxDowntimeMs = 300 });

            final.Phase.Should().Be(V1.MigrationPhase.Failed);
            final.FailureReason.Should().Be(V1.MigrationFailureReason.ConnectionLost, "the target's digest check dropped the connection: {0}", final.Message);
            var targetView = await Poll.UntilAsync(() => GetAsync(target, "corrupt-1"), s => s.Phase != V1.MigrationPhase.Transferring, TimeSpan.FromSeconds(30), "the target's verdict");
            targetView.Phase.Should().Be(V1.MigrationPhase.Failed);
            targetView.FailureReason.Should().Be(V1.MigrationFailureReason.StreamCorrupted);
            targetView.Message.Should().Contain("verification");
        }
        finally
        {
            source.Migration.CorruptOutgoingStreamByteAt = -1;
            await DropTargetAsync(target, "corrupt-1");
        }

        (await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10))).State.Should().Be(V1.VmState.Running);
        (await target.HasVmAsync()).Should().BeFalse();
        var before = ConsoleLog.MemcheckOkGenerations(await source.ConsoleAsync()).Count;
        var console = await Poll.UntilAsync(source.ConsoleAsync, c => ConsoleLog.MemcheckOkGenerations(c).Count > before, TimeSpan.FromSeconds(60), "a fresh MEMCHECK OK on the source");
        ConsoleLog.HasMemcheckCorrupt(console).Should().BeFalse();
    }

    [SkippableFact]
    public async Task Cancelled_transfer_leaves_the_guest_running_on_the_source()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);

        // 4 MiB/s: a 256 MiB guest takes long enough to be cancelled in the middle.
        V1.MigrationStatus final;
        try
        {
            await agents.StartMigrationAsync(source, target, "cancel-1", new V1.MigrationOptions { BandwidthBytesPerSecond = 4 << 20, MaxDowntimeMs = 300 });
            await Poll.UntilAsync(() => GetAsync(source, "cancel-1"), s => s.BytesTransferred > 1 << 20, TimeSpan.FromSeconds(30), "1 MiB sent");

            await source.Client.CancelMigrationAsync(new V1.MigrationRequest { MigrationId = "cancel-1", VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
            final = await Poll.UntilAsync(() => GetAsync(source, "cancel-1"), s => s.Phase is V1.MigrationPhase.Cancelled or V1.MigrationPhase.Failed, TimeSpan.FromSeconds(30), "cancelled");
        }
        finally
        {
            await DropTargetAsync(target, "cancel-1");
        }

        final.Phase.Should().Be(V1.MigrationPhase.Cancelled, final.Message);
        (await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10))).State.Should().Be(V1.VmState.Running);
        (await target.HasVmAsync()).Should().BeFalse();
    }

    [SkippableFact]
    public async Task Post_copy_moves_a_guest_that_dirties_memory_faster_than_the_link()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);

        // 8 MiB/s against a guest rewriting 16 MiB/s: pre-copy cannot converge within 1 ms of downtime.
        var options = new V1.MigrationOptions { BandwidthBytesPerSecond = 8 << 20, MaxDowntimeMs = 1, AllowPostCopy = true };
        await agents.StartMigrationAsync(source, target, "postcopy-1", options);
        await Poll.UntilAsync(() => GetAsync(source, "postcopy-1"), s => s.Iterations >= 1 && s.BytesTransferred > 8 << 20, TimeSpan.FromSeconds(30), "first pass under way");
        await source.Client.StartPostCopyAsync(new V1.MigrationRequest { MigrationId = "postcopy-1", VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));

        var final = await Poll.UntilAsync(() => GetAsync(source, "postcopy-1"), s => s.Phase is V1.MigrationPhase.Switched or V1.MigrationPhase.Failed, MigrationTimeout, "post-copy switched");

        final.Phase.Should().Be(V1.MigrationPhase.Switched, final.Message);
        var console = await Poll.UntilAsync(target.ConsoleAsync, c => ConsoleLog.MemcheckOkGenerations(c).Count >= 2, TimeSpan.FromSeconds(90), "MEMCHECK OK on the target");
        ConsoleLog.HasMemcheckCorrupt(console).Should().BeFalse(console);
        await Poll.UntilAsync(() => GetAsync(source, "postcopy-1"), s => s.HypervisorState == V1.HypervisorMigrationState.Completed, MigrationTimeout, "post-copy completed on the source");

        // The VM ran on the target since post-copy began: the source's copy is stale and is never resumed, not even by a
        // roll-back, whatever the caller claims about the target.
        var rollBack = async () => await source.Client.RollBackMigrationSourceAsync(
            new V1.MigrationRequest { MigrationId = "postcopy-1", VmId = MigrationAgents.VmId, Epoch = agents.Epoch, NewEpoch = agents.Epoch + 2 }, deadline: MigrationAgents.Deadline(10));
        var refused = (await rollBack.Should().ThrowAsync<RpcException>()).Which;
        refused.StatusCode.Should().Be(StatusCode.FailedPrecondition);
        refused.Status.Detail.Should().Contain("post-copy");
        final.PostCopyStarted.Should().BeTrue();
        await FinishMoveAsync(source, target);
    }

    [SkippableFact]
    public async Task Bad_migration_requests_name_the_field_and_change_nothing()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var source = agents.Current;
        var shortToken = async () => await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
        {
            MigrationId = "bad", VmId = MigrationAgents.VmId, Token = Google.Protobuf.ByteString.CopyFrom(1, 2, 3), TargetNode = "x", TargetEndpoint = "127.0.0.1:1",
        }, deadline: MigrationAgents.Deadline(10));
        var toSelf = async () => await source.Client.StartMigrationSourceAsync(new V1.StartMigrationSourceRequest
        {
            MigrationId = "bad", VmId = MigrationAgents.VmId, Token = MigrationAgents.NewToken(), TargetNode = source.Name, TargetEndpoint = "127.0.0.1:1",
        }, deadline: MigrationAgents.Deadline(10));
        var unknown = async () => await source.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = "never-started" }, deadline: MigrationAgents.Deadline(10));

        (await shortToken.Should().ThrowAsync<RpcException>()).Which.Status.Should().Be(new Status(StatusCode.InvalidArgument, "token: must be at least 16 random bytes, got 3"));
        (await toSelf.Should().ThrowAsync<RpcException>()).Which.Status.Detail.Should().StartWith("target_node: is this node");
        (await unknown.Should().ThrowAsync<RpcException>()).Which.StatusCode.Should().Be(StatusCode.NotFound);
        (await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10))).State.Should().Be(V1.VmState.Running);
    }

    private async Task<V1.MigrationStatus> MigrateAsync(MigrationAgents.Agent source, MigrationAgents.Agent target, string id, V1.MigrationOptions options)
    {
        await agents.StartMigrationAsync(source, target, id, options);
        return await Poll.UntilAsync(() => GetAsync(source, id), s => s.Phase is V1.MigrationPhase.Switched or V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled, MigrationTimeout, $"migration {id} finished");
    }

    // What the operator does with the target of a failed or cancelled migration: abort it there for good.
    private static async Task DropTargetAsync(MigrationAgents.Agent target, string id)
    {
        var aborted = await target.Client.AbortMigrationTargetAsync(new V1.MigrationRequest { MigrationId = id, VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
        aborted.Phase.Should().Be(V1.MigrationPhase.Aborted, aborted.Message);
    }

    private static V1.VmSpec MigrationSpec() => new()
    {
        Id = MigrationAgents.VmId,
        Vcpus = 1,
        MemoryMib = 256,
        Boot = new V1.Boot { Image = GuestImage.KernelReference, Cmdline = GuestImage.Cmdline(memMib: 64, dirtyPagesPerSec: 4000) },
    };

    private static Task<V1.MigrationStatus> GetAsync(MigrationAgents.Agent agent, string id) =>
        agent.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = id, VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10)).ResponseAsync;

    // The operator's last steps of a switch-over: the source's paused copy goes, and the guest now lives on the target.
    private async Task FinishMoveAsync(MigrationAgents.Agent source, MigrationAgents.Agent target)
    {
        await source.Client.DeleteVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
        agents.Current = target;
        agents.Epoch++;
    }
}
