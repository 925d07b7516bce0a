using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// A VM never runs twice, whatever the network does during a migration: the operator cut off from an agent mid-transfer,
/// a SuperNode deleted during the switch-over, post-copy losing its source. Every QEMU of the SuperPod on every host is
/// watched every 200 ms for the whole of each test (<see cref="RunningCopiesWatch"/>), and the SuperPod must end running
/// on exactly one host with its memory intact.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class PartitionTests(LabFixture fixture, ITestOutputHelper output)
{
    // Slow enough that the partition strikes while bytes are moving; the operator gives up on a silent source soon.
    private const string SlowLimits = "  limits:\n    bandwidth: 2Mi\n    progressTimeout: 20s\n";

    // A guest that dirties its memory slower than the 2 MiB/s the migration may use, so pre-copy converges.
    private static readonly string CalmGuest = LabFixture.GuestCmdline.Replace("sc.dirty_pages_per_sec=2000", "sc.dirty_pages_per_sec=100", StringComparison.Ordinal);

    private LabRun Lab => fixture.Lab;

    [SkippableFact]
    public async Task Source_cut_off_from_the_operator_mid_transfer_the_vm_never_runs_twice_and_ends_on_the_target()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const string Target = "onprem-1";
        var pod = new Roamer(fixture, "partitioned", output);
        var isolated = "";
        RunningCopiesWatch? watch = null;
        try
        {
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n", CalmGuest);
            await pod.UnpinAsync();
            watch = RunningCopiesWatch.Start(pod);
            var before = pod.Mark(source);
            await pod.MigrateAsync("partitioned-1", $"  target:\n    node: {Target}\n{SlowLimits}");
            await pod.UntilTransferringAsync("partitioned-1");

            await Lab.LabAsync("link", "--isolate", source);
            isolated = source;
            output.WriteLine($"{source} cut off from the operator mid-transfer");

            // The transfer goes on between the hosts and completes: the target runs the VM, the source is paused for good.
            await Lab.UntilAsync(() => Task.FromResult(watch.RunningNow is [Target]), $"the transfer completes and the VM runs on {Target}", TimeSpan.FromSeconds(180));

            // On the target's word (the source is silent), the operator moves the SuperPod there.
            await Lab.UntilAsync(async () => Roamer.Node(await pod.PodAsync()) == Target, $"the operator records the SuperPod on {Target}", TimeSpan.FromSeconds(120));
            Roamer.Phase(await pod.MigrationAsync("partitioned-1")).Should().Be("Switching", "the source's paused copy is still to be deleted");

            // Later the partition heals and the target's agent restarts.
            await Lab.LabAsync("link", "--rejoin", source);
            isolated = "";
            await Lab.LabAsync("agent", "stop", "--host", Target);
            await Lab.LabAsync("agent", "start", "--host", Target);

            var done = await pod.UntilFinishedAsync("partitioned-1", TimeSpan.FromSeconds(150));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync(Target, before);
            await AssertNeverTwiceAsync(watch, source, Target);
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (isolated.Length > 0)
            {
                await Lab.LabAsync("link", "--rejoin", isolated);
            }

            if (watch is not null)
            {
                await watch.DisposeAsync();
            }

            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task Target_supernode_deleted_during_the_switch_over_the_vm_never_runs_twice_and_ends_on_the_target()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const string Target = "aws-eu-west-1-1";
        var pod = new Roamer(fixture, "deleted-node", output);
        var isolated = "";
        RunningCopiesWatch? watch = null;
        try
        {
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n", CalmGuest);
            await pod.UnpinAsync();
            watch = RunningCopiesWatch.Start(pod);
            var before = pod.Mark(source);
            await pod.MigrateAsync("deleted-node-1", $"  target:\n    node: {Target}\n{SlowLimits}");
            await pod.UntilTransferringAsync("deleted-node-1");

            // The operator loses the target while the hosts still talk: the source hands the VM over and the target resumes
            // it, but the operator cannot hear it and waits in Switching.
            await Lab.LabAsync("link", "--isolate", Target);
            isolated = Target;
            await pod.UntilMigrationAsync("deleted-node-1", m => Roamer.Phase(m) == "Switching", "the source handed the VM over", TimeSpan.FromSeconds(180));

            await Lab.MustAsync("delete", "supernode", Target, "--wait=false");
            output.WriteLine($"SuperNode {Target} deleted during the switch-over");

            // Neither the silent agent nor the missing SuperNode is taken for the VM being gone: nothing is resumed, and
            // the migration says that it cannot tell.
            var waiting = await pod.UntilMigrationAsync("deleted-node-1",
                m => Condition(m, "OwnerConfirmed")?["status"]?.GetValue<string>() == "Unknown", "the migration says it cannot tell where the VM may run", TimeSpan.FromSeconds(60));
            output.WriteLine($"while {Target} is cut off: {Condition(waiting, "OwnerConfirmed")?["message"]}");
            watch.RunningNow.Should().NotContain(source, "the source's copy stays paused");

            // The partition heals: the agent registers its SuperNode again and tells that it runs the VM.
            await Lab.LabAsync("link", "--rejoin", Target);
            isolated = "";
            var done = await pod.UntilFinishedAsync("deleted-node-1", TimeSpan.FromSeconds(150));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            Condition(done, "OwnerConfirmed")?["status"]?.GetValue<string>().Should().Be("True");
            await pod.AssertRunsIntactOnAsync(Target, before);
            await AssertNeverTwiceAsync(watch, source, Target);
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (isolated.Length > 0)
            {
                await Lab.LabAsync("link", "--rejoin", isolated);
            }

            await Lab.UntilAsync(async () => await Lab.GetAsync("supernode", Target) is not null, $"SuperNode {Target} is registered again", TimeSpan.FromSeconds(60));
            if (watch is not null)
            {
                await watch.DisposeAsync();
            }

            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task Post_copy_whose_source_agent_dies_never_resumes_the_source_and_completes_on_the_target()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const string Target = "onprem-1";
        var pod = new Roamer(fixture, "postcopy-lost", output);
        RunningCopiesWatch? watch = null;
        var agentDown = "";
        try
        {
            // A guest rewriting its memory faster than the 4 MiB/s link: pre-copy cannot converge, and after the 3 s
            // completion timeout the migration switches to post-copy.
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n");
            await pod.UnpinAsync();
            watch = RunningCopiesWatch.Start(pod);
            var before = pod.Mark(source);
            await pod.MigrateAsync("postcopy-lost-1",
                $"  target:\n    node: {Target}\n  limits:\n    bandwidth: 4Mi\n    maxDowntime: 1ms\n    completionTimeoutPerGiB: 3s\n    progressTimeout: 30s\n    allowPostCopy: true\n");
            await pod.UntilMigrationAsync("postcopy-lost-1", m => m["status"]?["progress"]?["postCopy"]?.GetValue<bool>() == true, "the transfer switched to post-copy", TimeSpan.FromSeconds(120));
            await Lab.UntilAsync(() => Task.FromResult(watch.RunningNow is [Target]), $"the VM runs on {Target} while its pages follow", TimeSpan.FromSeconds(60));

            // The source's agent dies mid-post-copy and its supervisor starts it again: the stream between the hosts is
            // gone, the VM on the target waits for pages only the source has, and the source's copy is stale.
            await Lab.LabAsync("agent", "kill", "--host", source);
            agentDown = source;
            await Lab.LabAsync("agent", "start", "--host", source);
            agentDown = "";
            output.WriteLine($"agent of {source} killed and started again during post-copy");

            var done = await pod.UntilFinishedAsync("postcopy-lost-1", TimeSpan.FromSeconds(240));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync(Target, before);
            done["status"]!["progress"]!["postCopy"]!.GetValue<bool>().Should().BeTrue();
            var recovered = await Lab.GetAsync("events", "-n", "default", "--field-selector", "involvedObject.name=postcopy-lost-1,reason=PostCopyRecovering");
            recovered!["items"]!.AsArray().Should().NotBeEmpty("the stream post-copy lost with the source's agent was recovered through the agents");
            await AssertNeverTwiceAsync(watch, source, Target);
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (agentDown.Length > 0)
            {
                await Lab.LabAsync("agent", "start", "--host", agentDown);
            }

            if (watch is not null)
            {
                await watch.DisposeAsync();
            }

            await pod.DeleteAsync();
        }
    }

    // The watch saw the VM run on the source, then on the target, and never on both.
    private async Task AssertNeverTwiceAsync(RunningCopiesWatch watch, string source, string target)
    {
        output.WriteLine(watch.Describe());
        var samples = await watch.StopAsync();
        samples.Should().Contain(s => s.Running.Contains(source), "the watch saw the VM run on the source before it moved");
        samples.Should().Contain(s => s.Running.Contains(target), "and on the target after");
        samples.Select(s => s.At).Should().BeInAscendingOrder();
        samples.Count.Should().BeGreaterThan(100, "a sample every 200 ms for the whole test");
    }

    private static JsonNode? Condition(JsonNode? obj, string type) =>
        obj?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);
}
