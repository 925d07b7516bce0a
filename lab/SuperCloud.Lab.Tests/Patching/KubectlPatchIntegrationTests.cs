using System.Text.Json.Nodes;
using SuperCloud.Lab.Tests.ApiServer;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.Patching;

/// <summary>Real kubectl against the lab API server: server-side apply, client-side apply and patch types end to end.</summary>
public sealed class KubectlPatchIntegrationTests
{
    private const string ConfigMapV1 = """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: default
          labels: {app: demo}
        data:
          key: one
          other: kept
        """;

    private static Task<KubectlRunner.Result> KubectlAsync(TestCluster cluster, string? stdin, params string[] args) =>
        KubectlRunner.RunOnceAsync(cluster, stdin, args);

    private static async Task<JsonObject> GetAsync(TestCluster cluster, string resource, string name)
    {
        var (code, stdout, stderr) = await KubectlAsync(cluster, null, "get", resource, name, "-n", "default", "-o", "json", "--show-managed-fields");
        code.Should().Be(0, stderr);
        return JsonNode.Parse(stdout)!.AsObject();
    }

    [Fact]
    public async Task Server_side_apply_tracks_owners_reports_conflicts_and_force_takes_over()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);

        var first = await KubectlAsync(cluster, ConfigMapV1, "apply", "--server-side", "-f", "-");
        first.ExitCode.Should().Be(0, first.Stderr);
        var created = await GetAsync(cluster, "configmap", "settings");
        var entry = created["metadata"]!["managedFields"]!.AsArray().Single()!;
        entry["manager"]!.GetValue<string>().Should().Be("kubectl");
        entry["operation"]!.GetValue<string>().Should().Be("Apply");
        entry["fieldsV1"].Compact().Should().Be("""{"f:data":{"f:key":{},"f:other":{}},"f:metadata":{"f:labels":{"f:app":{}}}}""");

        var again = await KubectlAsync(cluster, ConfigMapV1, "apply", "--server-side", "-f", "-");
        again.ExitCode.Should().Be(0, again.Stderr);
        var unchanged = await GetAsync(cluster, "configmap", "settings");
        unchanged["metadata"]!["resourceVersion"]!.GetValue<string>().Should().Be(created["metadata"]!["resourceVersion"]!.GetValue<string>());

        var rival = ConfigMapV1.Replace("key: one", "key: two", StringComparison.Ordinal);
        var conflict = await KubectlAsync(cluster, rival, "apply", "--server-side", "--field-manager", "rival", "-f", "-");
        conflict.ExitCode.Should().NotBe(0);
        // Labels and "other" carry the same values, so only data.key conflicts.
        conflict.Stderr.Should().Contain("Apply failed with 1 conflict: conflict with \"kubectl\": .data.key");

        var forced = await KubectlAsync(cluster, rival, "apply", "--server-side", "--field-manager", "rival", "--force-conflicts", "-f", "-");
        forced.ExitCode.Should().Be(0, forced.Stderr);
        var taken = await GetAsync(cluster, "configmap", "settings");
        taken["data"]!["key"]!.GetValue<string>().Should().Be("two");
        taken["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.GetValue<string>()).Should().Equal("kubectl", "rival");

        // The original applier dropping a field it no longer owns leaves it alone; dropping its own field removes it.
        var shrink = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: settings, namespace: default}
            data: {added: "yes"}
            """;
        var shrunk = await KubectlAsync(cluster, shrink, "apply", "--server-side", "-f", "-");
        shrunk.ExitCode.Should().Be(0, shrunk.Stderr);
        var final = await GetAsync(cluster, "configmap", "settings");
        final["data"].ShouldEqualJson("""{"key":"two","other":"kept","added":"yes"}""");
    }

    [Fact]
    public async Task Client_side_apply_and_patches_merge_containers_by_name()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        const string deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default}
            spec:
              replicas: 1
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: web
                    image: nginx:1
                    env: [{name: A, value: "1"}, {name: B, value: "2"}]
                  - name: sidecar
                    image: envoy:1
            """;
        var created = await KubectlAsync(cluster, deployment, "apply", "-f", "-");
        created.ExitCode.Should().Be(0, created.Stderr);

        var changed = deployment.Replace("image: nginx:1", "image: nginx:2", StringComparison.Ordinal)
            .Replace("""env: [{name: A, value: "1"}, {name: B, value: "2"}]""", """env: [{name: A, value: "1"}]""", StringComparison.Ordinal);
        var applied = await KubectlAsync(cluster, changed, "apply", "-f", "-");
        applied.ExitCode.Should().Be(0, applied.Stderr);

        var patched = await KubectlAsync(cluster, null, "patch", "deployment", "web", "-n", "default", "--type=json",
            "-p", """[{"op":"replace","path":"/spec/replicas","value":3}]""");
        patched.ExitCode.Should().Be(0, patched.Stderr);

        var failed = await KubectlAsync(cluster, null, "patch", "deployment", "web", "-n", "default", "--type=json",
            "-p", """[{"op":"test","path":"/spec/replicas","value":7}]""");
        failed.ExitCode.Should().NotBe(0);
        failed.Stderr.Should().ContainEquivalentOf("is invalid");

        var result = await GetAsync(cluster, "deployment", "web");
        result["spec"]!["replicas"]!.GetValue<int>().Should().Be(3);
        var containers = result["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        containers.Select(c => c!["name"]!.GetValue<string>()).Should().Equal("web", "sidecar");
        containers[0]!["image"]!.GetValue<string>().Should().Be("nginx:2");
        containers[0]!["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).Should().Equal("A");
        result["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.GetValue<string>())
            .Should().Contain(["kubectl-client-side-apply", "kubectl-patch"]);
    }
}
