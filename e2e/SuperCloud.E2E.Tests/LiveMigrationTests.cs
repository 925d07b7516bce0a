using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// Live migration as a user drives it: <c>kubectl create</c> a SuperPodMigration of a running SuperPod whose guest dirties
/// memory, across clouds through a bandwidth-capped underlay, and a node drain.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class LiveMigrationTests(LabFixture fixture, ITestOutputHelper output)
{
    [SkippableFact]
    public async Task A_running_superpod_moves_to_another_host_and_its_guest_goes_on_with_intact_memory()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "mover", output);
        try
        {
            var source = await pod.StartAsync();
            var target = Roamer.Hosts.Where(h => h != source).OrderBy(h => Roamer.CloudOf(h) == Roamer.CloudOf(source) ? 0 : 1).First();
            var before = pod.Mark(source);

            await pod.MigrateAsync("mover-1", $"  target:\n    node: {target}\n");
            var done = await pod.UntilFinishedAsync("mover-1", TimeSpan.FromSeconds(120));

            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync(target, before);
            var last = (await pod.PodAsync())!["status"]!["lastMigration"]!;
            last["name"]!.GetValue<string>().Should().Be("mover-1");
            last["from"]!["node"]!.GetValue<string>().Should().Be(source);
            last["to"]!["node"]!.GetValue<string>().Should().Be(target);
            last["bytesTransferred"]!.GetValue<long>().Should().BeGreaterThan(1 << 20, "QEMU's own count of the bytes it sent");
            Roamer.ParseDuration(last["downtime"]!.GetValue<string>()).Should().BeLessThan(TimeSpan.FromSeconds(5));
            output.WriteLine($"{source} -> {target}: total {last["totalTime"]}, downtime {last["downtime"]}, {last["bytesTransferred"]} bytes");
            var ready = (await pod.PodAsync())!["status"]!["conditions"]!.AsArray().First(c => c!["type"]!.GetValue<string>() == "Migrating")!;
            ready["status"]!.GetValue<string>().Should().Be("False", "the SuperPod no longer migrates");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task Cross_cloud_migration_over_a_tbf_capped_underlay_takes_at_least_bytes_over_bandwidth()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const double CapBitsPerSecond = 40e6;
        var pod = new Roamer(fixture, "wanderer", output);
        var capped = false;
        try
        {
            // A guest that dirties memory slower than the link carries, so pre-copy converges under the cap.
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n", LabFixture.GuestCmdline.Replace("sc.dirty_pages_per_sec=2000", "sc.dirty_pages_per_sec=100", StringComparison.Ordinal));
            Roamer.CloudOf(source).Should().Be("aws-us-east-1");
            await pod.UnpinAsync();
            await fixture.Lab.LabAsync("link", "--cloud", "onprem", "--rate", "40mbit");
            capped = true;
            var before = pod.Mark(source);

            await pod.MigrateAsync("wanderer-to-onprem", "  target:\n    cluster: onprem\n");
            var done = await pod.UntilFinishedAsync("wanderer-to-onprem", TimeSpan.FromSeconds(180));

            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync("onprem-1", before);
            var last = (await pod.PodAsync())!["status"]!["lastMigration"]!;
            var bytes = last["bytesTransferred"]!.GetValue<long>();
            var total = Roamer.ParseDuration(last["totalTime"]!.GetValue<string>());
            var floor = TimeSpan.FromSeconds(bytes * 8 / CapBitsPerSecond);
            output.WriteLine($"{bytes} bytes over 40 Mbit/s: total {total.TotalSeconds:0.0} s, physics floor {floor.TotalSeconds:0.0} s, ratio {(total / floor).ToString("0.00", CultureInfo.InvariantCulture)}");
            bytes.Should().BeGreaterThan(8 << 20, "the guest's memory crossed the link");
            total.Should().BeGreaterThanOrEqualTo(floor, "no migration beats the link: memory sent / bandwidth is the floor");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            if (capped)
            {
                await fixture.Lab.LabAsync("link", "--cloud", "onprem", "--clear");
            }

            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task Draining_a_node_migrates_all_its_superpods_away()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const string Host = "onprem-1";
        var pods = new[] { new Roamer(fixture, "drained-1", output), new Roamer(fixture, "drained-2", output) };
        var drained = false;
        try
        {
            var marks = new List<ConsoleMark>();
            foreach (var pod in pods)
            {
                (await pod.StartAsync("    clusters: [onprem]\n")).Should().Be(Host);
                await pod.UnpinAsync();
                marks.Add(pod.Mark(Host));
            }

            await fixture.Lab.MustAsync("annotate", "supernode", Host, "supercloud.dev/drain=true");
            await fixture.Lab.MustAsync("patch", "supernode", Host, "--type", "merge", "-p", """{"spec":{"unschedulable":true}}""");
            drained = true;

            await fixture.Lab.UntilAsync(
                async () => Condition(await fixture.Lab.GetAsync("supernode", Host), "Drained")?["status"]?.GetValue<string>() == "True",
                $"SuperNode {Host} reports Drained",
                TimeSpan.FromSeconds(240));
            for (var i = 0; i < pods.Length; i++)
            {
                var node = await pods[i].NodeAsync();
                node.Should().NotBe(Host);
                await pods[i].AssertRunsIntactOnAsync(node, marks[i]);
                var last = (await pods[i].PodAsync())!["status"]!["lastMigration"]!;
                last["reason"]!.GetValue<string>().Should().Be("NodeDrain");
                last["phase"]!.GetValue<string>().Should().Be("Succeeded");
            }
        }
        catch (Exception e) when (Roamer.Fails(pods, e))
        {
            throw;
        }
        finally
        {
            if (drained)
            {
                await fixture.Lab.MustAsync("annotate", "supernode", Host, "supercloud.dev/drain-");
                await fixture.Lab.MustAsync("patch", "supernode", Host, "--type", "merge", "-p", """{"spec":{"unschedulable":false}}""");
            }

            foreach (var pod in pods)
            {
                await pod.DeleteAsync();
            }
        }
    }

    private static JsonNode? Condition(JsonNode? obj, string type) =>
        obj?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);
}
