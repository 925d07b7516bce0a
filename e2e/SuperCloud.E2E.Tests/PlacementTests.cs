using System.Text.Json.Nodes;

namespace SuperCloud.E2E.Tests;

/// <summary>Placement constraints on the lab's three clouds, through kubectl, the real scheduler and real agents.</summary>
[Collection(SharedLab.Name)]
public sealed class PlacementTests(LabFixture fixture)
{
    [SkippableFact]
    public async Task Superpods_land_on_nodes_that_satisfy_their_placement_and_boot()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var lab = fixture.Lab;
        string[] names = ["place-onprem", "place-eu", "place-spot"];
        try
        {
            await lab.ApplyAsync(LabFixture.SuperPod("place-onprem", "    clouds: [onprem]\n"));
            await lab.ApplyAsync(LabFixture.SuperPod("place-eu", "    regions: [eu-west-1]\n"));
            await lab.ApplyAsync(LabFixture.SuperPod("place-spot", "    spot: Required\n"));
            foreach (var name in names)
            {
                await lab.UntilAsync(async () => (await lab.GetAsync("superpod", name))?["status"]?["phase"]?.GetValue<string>() == "Running", $"SuperPod {name} is Running", TimeSpan.FromSeconds(120));
            }

            var onprem = await PlacedAsync(lab, "place-onprem");
            onprem.Status.Cloud.Should().Be("onprem");
            onprem.ClusterProvider.Should().Be("onprem", "the node's SuperCluster is the on-premises one");
            onprem.Node.Should().Be("onprem-1");

            var eu = await PlacedAsync(lab, "place-eu");
            eu.Status.Region.Should().Be("eu-west-1");
            eu.ClusterRegion.Should().Be("eu-west-1");
            eu.Node.Should().StartWith("aws-eu-west-1-");

            var spot = await PlacedAsync(lab, "place-spot");
            spot.NodeIsSpot.Should().BeTrue($"spot: Required puts {spot.Node} on a spot node");
            spot.Node.Should().BeOneOf("aws-us-east-1-2", "aws-eu-west-1-2");

            // Each guest boots on its node and keeps printing heartbeats to its console.
            foreach (var placed in new[] { onprem, eu, spot })
            {
                var console = lab.ConsoleLog(placed.Node, placed.Uid);
                long? first = null;
                await lab.UntilAsync(
                    () =>
                    {
                        var beats = LabRun.Heartbeats(console);
                        first ??= beats.Count > 0 ? beats[^1] : null;
                        return Task.FromResult(first is { } f && beats[^1] > f);
                    },
                    $"{console} shows growing HEARTBEAT counters",
                    TimeSpan.FromSeconds(60));
            }
        }
        finally
        {
            await lab.KubectlAsync(["delete", "superpod", "-n", "default", "--ignore-not-found", "--timeout=90s", .. names]);
        }
    }

    [SkippableFact]
    public async Task Unschedulable_superpod_reports_how_many_nodes_each_filter_rejected()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var lab = fixture.Lab;
        try
        {
            await lab.ApplyAsync(LabFixture.SuperPod("too-big", memory: "1Ti"));
            await lab.ApplyAsync(LabFixture.SuperPod("too-big-spot", "    spot: Required\n", memory: "1Ti"));
            await lab.UntilAsync(async () => Scheduled(await lab.GetAsync("superpod", "too-big")) is not null, "too-big has a Scheduled condition");
            await lab.UntilAsync(async () => Scheduled(await lab.GetAsync("superpod", "too-big-spot")) is not null, "too-big-spot has a Scheduled condition");

            var tooBig = await lab.GetAsync("superpod", "too-big");
            var condition = Scheduled(tooBig)!;
            condition["status"]!.GetValue<string>().Should().Be("False");
            condition["reason"]!.GetValue<string>().Should().Be("Unschedulable");
            condition["message"]!.GetValue<string>().Should().Be($"0/{LabFixture.NodeCount} nodes are available: {LabFixture.NodeCount} Insufficient memory.");
            tooBig!["status"]!["phase"]!.GetValue<string>().Should().Be("Pending");
            tooBig["status"]!["node"].Should().BeNull("an unschedulable SuperPod is bound nowhere");

            // Three on-demand nodes fail the spot filter first; the two spot nodes then fail on memory.
            Scheduled(await lab.GetAsync("superpod", "too-big-spot"))!["message"]!.GetValue<string>()
                .Should().Be("0/5 nodes are available: 2 Insufficient memory, 3 node(s) didn't match spot requirement.");

            var described = await lab.MustAsync("describe", "superpod", "too-big", "-n", "default");
            described.Stdout.Should().Contain("0/5 nodes are available: 5 Insufficient memory.", "kubectl describe shows the reason to the user");
        }
        finally
        {
            await lab.KubectlAsync("delete", "superpod", "-n", "default", "--ignore-not-found", "--timeout=60s", "too-big", "too-big-spot");
        }
    }

    private static JsonNode? Scheduled(JsonNode? pod) =>
        pod?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Scheduled");

    private static async Task<Placed> PlacedAsync(LabRun lab, string name)
    {
        var pod = (await lab.GetAsync("superpod", name))!;
        var status = pod["status"]!;
        var nodeName = status["node"]!.GetValue<string>();
        var node = (await lab.GetAsync("supernode", nodeName))!;
        var cluster = (await lab.GetAsync("supercluster", node["spec"]!["cluster"]!.GetValue<string>()))!;
        return new Placed(
            nodeName,
            pod["metadata"]!["uid"]!.GetValue<string>().ToLowerInvariant(),
            new PlacedStatus(status["cloud"]?.GetValue<string>(), status["region"]?.GetValue<string>()),
            cluster["spec"]!["provider"]!.GetValue<string>(),
            cluster["spec"]!["region"]!.GetValue<string>(),
            node["spec"]?["spot"]?.GetValue<bool>() ?? false);
    }

    private sealed record PlacedStatus(string? Cloud, string? Region);

    private sealed record Placed(string Node, string Uid, PlacedStatus Status, string ClusterProvider, string ClusterRegion, bool NodeIsSpot);
}
