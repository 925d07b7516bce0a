using V1 = SuperCloud.Agent.V1;

namespace SuperCloud.NodeAgent.Tests.Migration;

/// <summary>Auto-converge between two real agents: QEMU throttles a guest whose pre-copy does not converge.</summary>
public sealed class AutoConvergeTests(MigrationAgents agents) : IClassFixture<MigrationAgents>
{
    [SkippableFact]
    public async Task Auto_converge_throttles_a_guest_that_dirties_memory_faster_than_the_link_and_raises_the_throttle()
    {
        Skip.If(GuestImage.Missing is not null, GuestImage.Missing);
        var (source, target) = (agents.Current, agents.Other);
        const string id = "autoconverge-1";

        // 8 MiB/s against a guest rewriting 16 MiB/s with 1 ms of downtime: pre-copy cannot converge, so QEMU throttles
        // the vCPUs (cpu-throttle-percentage in query-migrate) and raises the throttle while it still does not converge.
        var options = new V1.MigrationOptions { BandwidthBytesPerSecond = 8 << 20, MaxDowntimeMs = 1, AllowAutoConverge = true };
        try
        {
            await agents.StartMigrationAsync(source, target, id, options);

            var throttled = await Poll.UntilAsync(() => GetAsync(source, id), s => s.CpuThrottlePercent > 0 || IsOver(s), TimeSpan.FromSeconds(120), "QEMU throttles the guest");
            throttled.Phase.Should().Be(V1.MigrationPhase.Transferring, throttled.Message);
            throttled.Iterations.Should().BeGreaterThanOrEqualTo(2, "QEMU throttles only after passes that did not converge");
            var raised = await Poll.UntilAsync(() => GetAsync(source, id), s => s.CpuThrottlePercent > throttled.CpuThrottlePercent || IsOver(s), TimeSpan.FromSeconds(120), "QEMU raises the throttle");
            raised.Phase.Should().Be(V1.MigrationPhase.Transferring, raised.Message);
            raised.CpuThrottlePercent.Should().BeGreaterThan(throttled.CpuThrottlePercent).And.BeLessThanOrEqualTo(99);
        }
        finally
        {
            await source.Client.CancelMigrationAsync(new V1.MigrationRequest { MigrationId = id, VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
            await Poll.UntilAsync(() => GetAsync(source, id), IsOver, TimeSpan.FromSeconds(30), "cancelled");
            var aborted = await target.Client.AbortMigrationTargetAsync(new V1.MigrationRequest { MigrationId = id, VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(30));
            aborted.Phase.Should().Be(V1.MigrationPhase.Aborted, aborted.Message);
        }

        (await source.Client.GetVmAsync(new V1.VmRequest { Id = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10))).State.Should().Be(V1.VmState.Running);
    }

    private static bool IsOver(V1.MigrationStatus s) => s.Phase is V1.MigrationPhase.Switched or V1.MigrationPhase.Failed or V1.MigrationPhase.Cancelled;

    private static Task<V1.MigrationStatus> GetAsync(MigrationAgents.Agent agent, string id) =>
        agent.Client.GetMigrationAsync(new V1.MigrationRequest { MigrationId = id, VmId = MigrationAgents.VmId }, deadline: MigrationAgents.Deadline(10)).ResponseAsync;
}
