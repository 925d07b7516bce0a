using System.Globalization;
using System.Text.Json.Nodes;

namespace SuperCloud.E2E.Tests;

/// <summary>A host whose node agent dies: the operator's node health and lost-node handling, with the lab's short Lease and grace period.</summary>
[Collection(SharedLab.Name)]
public sealed class NodeLossTests(LabFixture fixture)
{
    private const string Host = "onprem-1";

    [SkippableFact]
    public async Task Killed_node_agent_turns_its_node_not_ready_and_its_superpod_failed_node_lost_without_a_second_vm()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var lab = fixture.Lab;
        var agentKilled = false;
        try
        {
            await lab.ApplyAsync(LabFixture.SuperPod("stranded", "    clusters: [onprem]\n"));
            await lab.UntilAsync(async () => Phase(await lab.GetAsync("superpod", "stranded")) == "Running", "SuperPod stranded is Running", TimeSpan.FromSeconds(90));
            var pod = (await lab.GetAsync("superpod", "stranded"))!;
            pod["status"]!["node"]!.GetValue<string>().Should().Be(Host);
            var uid = pod["metadata"]!["uid"]!.GetValue<string>().ToLowerInvariant();
            var qemu = int.Parse(File.ReadAllText(Path.Combine(lab.VmDirectory(Host, uid), "qemu.pid")).Trim(), CultureInfo.InvariantCulture);

            await lab.LabAsync("agent", "kill", "--host", Host);
            agentKilled = true;

            // The Lease is no longer renewed: NotReady once it expires.
            await lab.UntilAsync(
                async () => Ready(await lab.GetAsync("supernode", Host))?["status"]?.GetValue<string>() == "False",
                $"SuperNode {Host} is NotReady",
                LabFixture.LeaseDuration * 3);
            Ready(await lab.GetAsync("supernode", Host))!["reason"]!.GetValue<string>().Should().Be("LeaseExpired");

            // After the grace period the SuperPod is Failed/NodeLost; not fenced, so it stays bound and is not started elsewhere.
            await lab.UntilAsync(
                async () => Phase(await lab.GetAsync("superpod", "stranded")) == "Failed",
                "SuperPod stranded is Failed",
                LabFixture.NodeGracePeriod * 4);
            pod = (await lab.GetAsync("superpod", "stranded"))!;
            pod["status"]!["node"]!.GetValue<string>().Should().Be(Host, "a lost SuperPod keeps its node until the node is fenced");
            Ready(pod)!["status"]!.GetValue<string>().Should().Be("False");

            // The Ready condition's reason may since have been rewritten by the VM controller, which keeps retrying the
            // silent agent (AgentUnreachable); the NodeLost decision is recorded as a Warning Event on the SuperPod.
            var events = (await lab.GetAsync("events", "-n", "default"))!["items"]!.AsArray()
                .Where(e => e?["involvedObject"]?["uid"]?.GetValue<string>()?.ToLowerInvariant() == uid && e["reason"]?.GetValue<string>() == "NodeLost")
                .ToList();
            events.Should().ContainSingle("the operator records one NodeLost event for the SuperPod");
            events[0]!["type"]!.GetValue<string>().Should().Be("Warning");
            events[0]!["message"]!.GetValue<string>().Should().Contain($"node {Host} has been NotReady since").And.Contain("it is not fenced (supercloud.dev/fenced=true), so the SuperPod is not started elsewhere");
            lab.CountVmEvents(uid, "created").Should().Be(1, "the VM was created once, on its node only");
            ProcessState.IsRunning(qemu).Should().BeTrue("the host still runs the VM; only its agent died");

            await lab.LabAsync("agent", "start", "--host", Host);
            agentKilled = false;
            await lab.UntilAsync(async () => Ready(await lab.GetAsync("supernode", Host))?["status"]?.GetValue<string>() == "True", $"SuperNode {Host} is Ready again");
        }
        finally
        {
            if (agentKilled)
            {
                await lab.LabAsync("agent", "start", "--host", Host);
            }

            await lab.KubectlAsync("delete", "superpod", "stranded", "-n", "default", "--ignore-not-found", "--timeout=90s");
        }
    }

    private static string? Phase(JsonNode? pod) => pod?["status"]?["phase"]?.GetValue<string>();

    private static JsonNode? Ready(JsonNode? obj) =>
        obj?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready");
}
