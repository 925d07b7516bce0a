using System.Text.Json.Nodes;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// SuperCloud installed the way a user installs it: <c>supercloud-lab up --install chart</c> runs <c>helm install</c>
/// of charts/supercloud and the lab's kubelet runs what the chart made — the operator Deployment and one node agent
/// pod per host, each under its ServiceAccount, its RBAC and the chart's admission policy, the agents with certificates
/// they requested through CertificateSigningRequests.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class ChartInstallTests(LabFixture fixture) : IDisposable
{
    private const string SystemNamespace = "supercloud-system";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "supercloud-e2e-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Helm_installed_agents_obtain_their_certificates_by_csr_act_only_for_their_node_and_live_migrate_a_superpod()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await using var lab = await LabRun.StartAsync(_root, "onprem:2", TimeSpan.FromMinutes(4), "--install", "chart");

        // The chart's workloads run as pods: the operator and one agent per host, Running with their container ready.
        var pods = await lab.GetAsync("pods", "-n", SystemNamespace);
        var running = pods!["items"]!.AsArray().OfType<JsonObject>()
            .Where(p => p["status"]?["phase"]?.GetValue<string>() == "Running")
            .Select(p => p["metadata"]!["name"]!.GetValue<string>()).ToList();
        running.Should().Contain(["supercloud-node-agent-onprem-1", "supercloud-node-agent-onprem-2"]);
        running.Should().ContainSingle(name => name.StartsWith("supercloud-operator", StringComparison.Ordinal));
        var table = await lab.MustAsync("get", "pods", "-n", SystemNamespace, "-o", "wide");
        table.Stdout.Should().Contain("1/1").And.Contain("onprem-1").And.Contain("onprem-2");
        (await lab.MustAsync("get", "daemonset", "supercloud-node-agent", "-n", SystemNamespace, "-o", "jsonpath={.status.numberReady}")).Stdout.Should().Be("2");

        // Each agent asked for a server and a client certificate with its own node-bound token; the operator's signer
        // approved and issued them.
        var csrs = (await lab.GetAsync("csr"))!["items"]!.AsArray().OfType<JsonObject>().ToList();
        foreach (var node in new[] { "onprem-1", "onprem-2" })
        {
            foreach (var usage in new[] { "server", "client" })
            {
                var csr = csrs.Should().ContainSingle(c => c["metadata"]!["name"]!.GetValue<string>().StartsWith($"supercloud-{node}-{usage}-", StringComparison.Ordinal),
                    $"{node} requested one {usage} certificate").Subject;
                csr["spec"]!["username"]!.GetValue<string>().Should().Be($"system:serviceaccount:{SystemNamespace}:supercloud-node-agent");
                csr["status"]?["certificate"]?.GetValue<string>().Should().NotBeNullOrEmpty($"{node}'s {usage} certificate was issued");
                csr["status"]!["conditions"]!.AsArray().Select(c => c!["type"]!.GetValue<string>()).Should().Contain("Approved");
            }
        }

        // An agent's own credentials (its pod's kubeconfig) act for its node only: the chart's admission policy refuses a
        // change to the other node's SuperNode, and RBAC refuses to read SuperPods at all.
        var agentKubeconfig = Path.Combine(lab.DataDir, "pods", "supercloud-node-agent-onprem-1", "kubeconfig");
        File.Exists(agentKubeconfig).Should().BeTrue("the lab's kubelet hands the agent its pod-bound credentials");
        var foreign = await lab.KubectlAsync("--kubeconfig", agentKubeconfig, "label", "supernode", "onprem-2", "stolen=true");
        foreign.ExitCode.Should().NotBe(0, "onprem-1's agent may not touch onprem-2's SuperNode");
        foreign.Stderr.Should().Contain("onprem-2");
        var read = await lab.KubectlAsync("--kubeconfig", agentKubeconfig, "get", "superpods", "-A");
        read.ExitCode.Should().NotBe(0);
        read.Stderr.Should().Contain("forbidden");

        // The workload works: a SuperPod boots and live-migrates between the helm-installed agents over mutual TLS with
        // the CSR-issued certificates.
        await lab.ApplyAsync(LabFixture.SuperPod("charted"));
        var source = "";
        await lab.UntilAsync(
            async () =>
            {
                var pod = await lab.GetAsync("superpod", "charted");
                source = pod?["status"]?["node"]?.GetValue<string>() ?? "";
                return pod?["status"]?["phase"]?.GetValue<string>() == "Running";
            },
            "the SuperPod runs on a helm-installed agent",
            TimeSpan.FromSeconds(120));
        var target = source == "onprem-1" ? "onprem-2" : "onprem-1";
        await lab.ApplyAsync($"""
            apiVersion: supercloud.dev/v1alpha1
            kind: SuperPodMigration
            metadata:
              name: charted-move
              namespace: default
            spec:
              superPod: charted
              target:
                node: {target}
              reason: Manual
            """);
        await lab.UntilAsync(
            async () => (await lab.GetAsync("superpodmigration", "charted-move"))?["status"]?["phase"]?.GetValue<string>() is "Succeeded" or "Failed",
            "the migration ended",
            TimeSpan.FromSeconds(180));
        var migration = await lab.GetAsync("superpodmigration", "charted-move");
        migration!["status"]!["phase"]!.GetValue<string>().Should().Be("Succeeded", migration.ToJsonString() + lab.Diagnostics());
        (await lab.GetAsync("superpod", "charted"))!["status"]!["node"]!.GetValue<string>().Should().Be(target);
    }
}
