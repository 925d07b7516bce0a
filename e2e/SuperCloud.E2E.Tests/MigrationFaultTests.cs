using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// Faults in the middle of a live migration, each injected into the real processes of the lab: an agent killed, the
/// target's QEMU killed, the underlay between the clouds cut, a byte of the stream corrupted, the operator killed before
/// each phase. After each, the SuperPod runs on exactly one host with its guest intact, the migration ended with a
/// reason, and a later migration of the same SuperPod succeeds.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class MigrationFaultTests(LabFixture fixture, ITestOutputHelper output)
{
    // Slow enough that the transfer is still under way when the fault strikes.
    private const string Throttled = "  limits:\n    bandwidth: 2Mi\n";

    private LabRun Lab => fixture.Lab;

    [SkippableFact]
    public Task Target_agent_killed_mid_transfer_fails_the_migration_and_the_guest_stays_on_the_source() =>
        FailsMidTransferAndRecoversAsync(
            "fault-target-agent",
            otherCloud: false,
            extraLimits: "",
            strike: (_, _, target) => Lab.LabAsync("agent", "kill", "--host", target),
            heal: (_, target) => Lab.LabAsync("agent", "start", "--host", target));

    [SkippableFact]
    public Task Source_agent_killed_mid_transfer_fails_the_migration_and_the_guest_keeps_running_on_the_source() =>
        FailsMidTransferAndRecoversAsync(
            "fault-source-agent",
            otherCloud: false,
            extraLimits: "    progressTimeout: 20s\n",

            // The agent crashes and its supervisor starts it again; QEMU outlives it.
            strike: async (_, source, _) =>
            {
                await Lab.LabAsync("agent", "kill", "--host", source);
                await Lab.LabAsync("agent", "start", "--host", source);
            });

    [SkippableFact]
    public Task Target_qemu_killed_mid_transfer_fails_the_migration_and_the_guest_stays_on_the_source() =>
        FailsMidTransferAndRecoversAsync(
            "fault-target-qemu",
            otherCloud: false,
            extraLimits: "",
            strike: (pod, _, target) =>
            {
                var incoming = pod.QemuProcesses().Where(p => p.Host == target).ToList();
                incoming.Should().ContainSingle("the target runs one QEMU waiting for the incoming state");
                Process.GetProcessById(incoming[0].Pid).Kill();
                return Task.CompletedTask;
            });

    [SkippableFact]
    public Task Underlay_cut_between_the_clouds_mid_transfer_fails_the_migration_at_the_progress_timeout() =>
        FailsMidTransferAndRecoversAsync(
            "fault-link",
            otherCloud: true,
            extraLimits: "    progressTimeout: 10s\n",
            strike: (_, source, target) => Lab.LabAsync("link", "--cut", $"{Roamer.CloudOf(source)},{Roamer.CloudOf(target)}"),
            heal: (source, target) => Lab.LabAsync("link", "--restore", $"{Roamer.CloudOf(source)},{Roamer.CloudOf(target)}"),
            againToTarget: true,
            reason: "ProgressTimeout",
            message: "no progress for 10s");

    [SkippableFact]
    public Task Pre_copy_that_cannot_converge_without_post_copy_fails_the_migration_at_the_completion_timeout() =>
        // 2 MiB/s against a guest that rewrites 8 MiB/s: pre-copy never converges, yet bytes keep moving (no progress
        // timeout); past 20 s (a 128 MiB guest counts as one GiB) with post-copy not allowed it is cancelled.
        FailsMidTransferAndRecoversAsync(
            "fault-completion",
            otherCloud: false,
            extraLimits: "    completionTimeoutPerGiB: 20s\n    allowPostCopy: false\n",
            strike: (_, _, _) => Task.CompletedTask,
            reason: "CompletionTimeout",
            message: "pre-copy did not converge within the completion timeout of 20s");

    [SkippableFact]
    public async Task Corrupted_byte_in_the_stream_fails_the_migration_with_StreamCorrupted()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = Pod("fault-corrupt");
        var restarted = "";
        try
        {
            var (source, target) = await StartAndPickAsync(pod, otherCloud: false);
            await Lab.LabAsync("agent", "stop", "--host", source);
            restarted = source;
            await Lab.LabAsync("agent", "start", "--host", source, "--", "--Migration:CorruptOutgoingStreamByteAt=3000000");
            await UntilAgentServesAsync(source);
            var before = pod.Mark(source);

            await pod.MigrateAsync("fault-corrupt-1", $"  target:\n    node: {target}\n");
            var failed = await pod.UntilFinishedAsync("fault-corrupt-1", TimeSpan.FromSeconds(90));

            AssertFailedWithReason(failed);
            failed["status"]!["failureReason"]!.GetValue<string>().Should().Be("StreamCorrupted", failed["status"]!.ToJsonString());
            failed["status"]!["message"]!.GetValue<string>().Should().Contain("failed verification");
            await pod.AssertRunsIntactOnAsync(source, before);

            await Lab.LabAsync("agent", "stop", "--host", source);
            await Lab.LabAsync("agent", "start", "--host", source);
            restarted = "";
            await UntilAgentServesAsync(source);
            await MovesAgainAsync(pod, "fault-corrupt-2");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (restarted.Length > 0)
            {
                await Lab.LabAsync("agent", "stop", "--host", restarted);
                await Lab.LabAsync("agent", "start", "--host", restarted);
            }

            await pod.DeleteAsync();
        }
    }

    [SkippableTheory]
    [InlineData("Scheduling")]
    [InlineData("PreparingTarget")]
    [InlineData("Transferring")]
    [InlineData("Switching")]
    [InlineData("Succeeded")]
    public async Task Operator_killed_before_a_phase_resumes_the_migration_after_its_restart(string phase)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = Pod($"restart-at-{phase.ToLowerInvariant()}");
        var armed = false;
        try
        {
            var (source, target) = await StartAndPickAsync(pod, otherCloud: false);
            var before = pod.Mark(source);
            await Lab.LabAsync("operator", "stop");
            armed = true;
            await Lab.LabAsync("operator", "start", "--", "--failpoints", $"migration.before={phase}");
            var operatorPid = OperatorPid();

            var migration = $"{pod.Name}-1";
            await pod.MigrateAsync(migration, $"  target:\n    node: {target}\n");
            await Lab.UntilAsync(() => Task.FromResult(!ProcessState.IsRunning(operatorPid)), $"the operator killed itself before {phase}", TimeSpan.FromSeconds(90));
            var atCrash = await pod.MigrationAsync(migration);
            output.WriteLine($"operator killed before {phase}; the migration was {Roamer.Phase(atCrash) ?? "Pending"}");
            await Lab.LabAsync("operator", "start");

            // The new operator takes over once the killed one's Lease has expired (15 s), then resumes the migration.
            var done = await pod.UntilFinishedAsync(migration, TimeSpan.FromSeconds(150));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync(target, before);
            pod.QemuProcesses().Should().ContainSingle();
            await MovesAgainAsync(pod, $"{pod.Name}-2");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (armed)
            {
                // Back to the lab's own operator: stopped gracefully, it hands its Lease over at once.
                await Lab.LabAsync("operator", "stop");
                await Lab.LabAsync("operator", "start");
            }

            await pod.DeleteAsync();
        }
    }

    // The scenario of a fault while bytes are moving: start SuperPod NAME, migrate it (throttled) to another host of its
    // cloud (or of another cloud), strike(pod, source, target) once the transfer is under way, wait for the migration to
    // end, heal(source, target) — in any case, also when the test fails — and check: Failed with a reason (the one
    // given, with its message), the guest
    // intact on the source alone, and a later migration of the same SuperPod (to the same target when asked) succeeds.
    private async Task FailsMidTransferAndRecoversAsync(
        string name, bool otherCloud, string extraLimits, Func<Roamer, string, string, Task> strike, Func<string, string, Task>? heal = null, bool againToTarget = false,
        string? reason = null, string? message = null)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = Pod(name);
        Func<Task>? pendingHeal = null;
        try
        {
            var (source, target) = await StartAndPickAsync(pod, otherCloud);
            var before = pod.Mark(source);
            await pod.MigrateAsync($"{name}-1", $"  target:\n    node: {target}\n{Throttled}{extraLimits}");
            await pod.UntilTransferringAsync($"{name}-1");

            pendingHeal = heal is null ? null : () => heal(source, target);
            await strike(pod, source, target);
            var failed = await pod.UntilFinishedAsync($"{name}-1", TimeSpan.FromSeconds(90));
            if (pendingHeal is not null)
            {
                await pendingHeal();
                pendingHeal = null;
            }

            AssertFailedWithReason(failed);
            if (reason is not null)
            {
                failed["status"]!["failureReason"]!.GetValue<string>().Should().Be(reason, failed["status"]!.ToJsonString());
                failed["status"]!["message"]!.GetValue<string>().Should().Contain(message);
            }

            await pod.AssertRunsIntactOnAsync(source, before);
            await MovesAgainAsync(pod, $"{name}-2", againToTarget ? target : null);
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (pendingHeal is not null)
            {
                await pendingHeal();
            }

            await pod.DeleteAsync();
        }
    }

    private Roamer Pod(string name) => new(fixture, name, output);

    // Starts the SuperPod and picks a target: another host of its cloud when it has one (or of another cloud when asked).
    private async Task<(string Source, string Target)> StartAndPickAsync(Roamer pod, bool otherCloud)
    {
        var source = await pod.StartAsync();
        var sameCloud = (Func<string, bool>)(h => Roamer.CloudOf(h) == Roamer.CloudOf(source));
        var target = Roamer.Hosts.Where(h => h != source).OrderBy(h => sameCloud(h) != otherCloud ? 0 : 1).First();
        output.WriteLine($"{pod.Name}: {source} -> {target}");
        return (source, target);
    }

    private void AssertFailedWithReason(JsonNode migration)
    {
        var status = migration["status"]!;
        output.WriteLine($"{migration["metadata"]!["name"]}: {status["phase"]} {status["failureReason"]}: {status["message"]}");
        status["phase"]!.GetValue<string>().Should().Be("Failed", status.ToJsonString());
        status["failureReason"]?.GetValue<string>().Should().NotBeNullOrEmpty("a failed migration says why");
    }

    // The later migration of the same SuperPod: to any other host (or the one given), and it succeeds.
    private static async Task MovesAgainAsync(Roamer pod, string migration, string? target = null)
    {
        var source = await pod.NodeAsync();
        var before = pod.Mark(source);
        await pod.MigrateAsync(migration, target is null ? null : $"  target:\n    node: {target}\n");
        var done = await pod.UntilFinishedAsync(migration, TimeSpan.FromSeconds(150));
        Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
        var now = await pod.NodeAsync();
        now.Should().NotBe(source);
        await pod.AssertRunsIntactOnAsync(now, before);
    }

    // A restarted agent accepts connections on its endpoint again.
    private async Task UntilAgentServesAsync(string host)
    {
        var endpoint = (await Lab.GetAsync("supernode", host))!["spec"]!["agentEndpoint"]!.GetValue<string>();
        var authority = endpoint.Contains("://", StringComparison.Ordinal) ? new Uri(endpoint).Authority : endpoint;
        var colon = authority.LastIndexOf(':');
        await Lab.UntilAsync(
            async () =>
            {
                using var client = new System.Net.Sockets.TcpClient();
                try
                {
                    await client.ConnectAsync(authority[..colon], int.Parse(authority[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
                    return true;
                }
                catch (System.Net.Sockets.SocketException)
                {
                    return false;
                }
            },
            $"the agent of {host} serves on {authority}");
    }

    private int OperatorPid() => Lab.State()["Processes"]!["operator"]!["Pid"]!.GetValue<int>();
}
