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

    private readonly HashSet<string> _isolated = [];

    private LabRun Lab => fixture.Lab;

    [SkippableFact]
    public async Task Source_cut_off_from_the_operator_mid_transfer_the_vm_never_runs_twice_and_ends_on_the_target()
    {
        const string Target = "onprem-1";
        await MigrateThroughAsync("partitioned", Target, CalmGuest, SlowLimits, async (pod, source, watch) =>
        {
            await pod.UntilTransferringAsync("partitioned-1");
            await IsolateAsync(source);

            // The transfer goes on between the hosts and completes: the target runs the VM, the source is paused for good.
            await Lab.UntilAsync(() => Task.FromResult(watch.RunningNow is [Target]), $"the transfer completes and the VM runs on {Target}", TimeSpan.FromSeconds(180));

            // On the target's word (the source is silent), the operator moves the SuperPod there.
            await Lab.UntilAsync(async () => Roamer.Node(await pod.PodAsync()) == Target, $"the operator records the SuperPod on {Target}", TimeSpan.FromSeconds(120));
            Roamer.Phase(await pod.MigrationAsync("partitioned-1")).Should().Be("Switching", "the source's paused copy is still to be deleted");

            // Later the partition heals and the target's agent restarts.
            await RejoinAsync(source);
            await Lab.LabAsync("agent", "stop", "--host", Target);
            await Lab.LabAsync("agent", "start", "--host", Target);
        });
    }

    [SkippableFact]
    public async Task Target_supernode_deleted_during_the_switch_over_the_vm_never_runs_twice_and_ends_on_the_target()
    {
        const string Target = "aws-eu-west-1-1";
        try
        {
            var done = await MigrateThroughAsync("deleted-node", Target, CalmGuest, SlowLimits, async (pod, source, watch) =>
            {
                // The operator loses the target while the hosts still talk: the source hands the VM over and the target
                // resumes it, but the operator cannot hear it and waits in Switching.
                await pod.UntilTransferringAsync("deleted-node-1");
                await IsolateAsync(Target);
                await pod.UntilMigrationAsync("deleted-node-1", m => Roamer.Phase(m) == "Switching", "the source handed the VM over", TimeSpan.FromSeconds(180));

                await Lab.MustAsync("delete", "supernode", Target, "--wait=false");
                output.WriteLine($"SuperNode {Target} deleted during the switch-over");

                // Neither the silent agent nor the missing SuperNode is taken for the VM being gone: nothing is resumed,
                // and the migration says that it cannot tell.
                var waiting = await pod.UntilMigrationAsync("deleted-node-1",
                    m => Condition(m, "OwnerConfirmed")?["status"]?.GetValue<string>() == "Unknown", "the migration says it cannot tell where the VM may run", TimeSpan.FromSeconds(60));
                output.WriteLine($"while {Target} is cut off: {Condition(waiting, "OwnerConfirmed")?["message"]}");
                watch.RunningNow.Should().NotContain(source, "the source's copy stays paused");

                // The partition heals: the agent registers its SuperNode again and tells that it runs the VM.
                await RejoinAsync(Target);
            });
            Condition(done, "OwnerConfirmed")?["status"]?.GetValue<string>().Should().Be("True");
        }
        finally
        {
            await Lab.UntilAsync(async () => await Lab.GetAsync("supernode", Target) is not null, $"SuperNode {Target} is registered again", TimeSpan.FromSeconds(60));
        }
    }

    [SkippableFact]
    public async Task Post_copy_whose_source_agent_dies_never_resumes_the_source_and_completes_on_the_target()
    {
        const string Target = "onprem-1";

        // A guest rewriting its memory faster than the 4 MiB/s link: pre-copy cannot converge, and after the 3 s
        // completion timeout the migration switches to post-copy.
        const string Limits = "  limits:\n    bandwidth: 4Mi\n    maxDowntime: 1ms\n    completionTimeoutPerGiB: 3s\n    progressTimeout: 30s\n    allowPostCopy: true\n";
        var done = await MigrateThroughAsync("postcopy-lost", Target, LabFixture.GuestCmdline, Limits, async (pod, source, watch) =>
        {
            await pod.UntilMigrationAsync("postcopy-lost-1", m => m["status"]?["progress"]?["postCopy"]?.GetValue<bool>() == true, "the transfer switched to post-copy", TimeSpan.FromSeconds(120));
            await Lab.UntilAsync(() => Task.FromResult(watch.RunningNow is [Target]), $"the VM runs on {Target} while its pages follow", TimeSpan.FromSeconds(60));

            // The source's agent dies mid-post-copy and its supervisor starts it again: the stream between the hosts is
            // gone, the VM on the target waits for pages only the source has, and the source's copy is stale.
            await Lab.LabAsync("agent", "kill", "--host", source);
            await Lab.LabAsync("agent", "start", "--host", source);
            output.WriteLine($"agent of {source} killed and started again during post-copy");
        });
        done["status"]!["progress"]!["postCopy"]!.GetValue<bool>().Should().BeTrue();
        var recovered = await Lab.GetAsync("events", "-n", "default", "--field-selector", "involvedObject.name=postcopy-lost-1,reason=PostCopyRecovering");
        recovered!["items"]!.AsArray().Should().NotBeEmpty("the stream post-copy lost with the source's agent was recovered through the agents");
    }

    // The frame of each test: the SuperPod starts in aws-us-east-1 (then may go anywhere), is watched, and migrated to
    // target with spec; during() strikes while it moves; then the migration must succeed, the SuperPod run on the target
    // alone with its memory intact, and the watch must never have seen it run twice. Whatever was isolated is healed.
    private async Task<JsonNode> MigrateThroughAsync(string name, string target, string cmdline, string spec, Func<Roamer, string, RunningCopiesWatch, Task> during)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, name, output);
        RunningCopiesWatch? watch = null;
        try
        {
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n", cmdline);
            await pod.UnpinAsync();
            watch = RunningCopiesWatch.Start(pod);
            var before = pod.Mark(source);
            await pod.MigrateAsync($"{name}-1", $"  target:\n    node: {target}\n{spec}");

            await during(pod, source, watch);

            var done = await pod.UntilFinishedAsync($"{name}-1", TimeSpan.FromSeconds(240));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync(target, before);
            output.WriteLine(watch.Describe());
            var samples = await watch.StopAsync();
            samples.Should().Contain(s => s.Running.Contains(source), "the watch saw the VM run on the source before it moved");
            samples.Should().Contain(s => s.Running.Contains(target), "and on the target after");
            samples.Count.Should().BeGreaterThan(100, "a sample every 200 ms for the whole test");
            return done;
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            foreach (var host in _isolated.ToList())
            {
                await RejoinAsync(host);
            }

            if (watch is not null)
            {
                await watch.DisposeAsync();
            }

            await pod.DeleteAsync();
        }
    }

    private async Task IsolateAsync(string host)
    {
        await Lab.LabAsync("link", "--isolate", host);
        _isolated.Add(host);
        output.WriteLine($"{host} cut off from the operator");
    }

    private async Task RejoinAsync(string host)
    {
        await Lab.LabAsync("link", "--rejoin", host);
        _isolated.Remove(host);
    }

    private static JsonNode? Condition(JsonNode? obj, string type) =>
        obj?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);
}
