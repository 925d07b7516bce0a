using System.Text.Json.Nodes;
using SuperCloud.Lab.Tests.ApiServer;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class KubectlClientToServerSideApplyTests
{
    [Fact]
    public async Task Switching_from_client_side_to_server_side_apply_takes_over_without_conflicts()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        const string v1 = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: migrate, namespace: default}
            data: {a: "1", b: "2"}
            """;
        var csa = await KubectlRunner.RunOnceAsync(cluster, v1, "apply", "-f", "-");
        csa.ExitCode.Should().Be(0, csa.Stderr);

        var v2 = v1.Replace("a: \"1\"", "a: \"9\"", StringComparison.Ordinal);
        var ssa = await KubectlRunner.RunOnceAsync(cluster, v2, "apply", "--server-side", "-f", "-");
        ssa.ExitCode.Should().Be(0, ssa.Stderr);

        var (code, stdout, stderr) = await KubectlRunner.RunOnceAsync(cluster, null, "get", "configmap", "migrate", "-n", "default", "-o", "json", "--show-managed-fields");
        code.Should().Be(0, stderr);
        var obj = JsonNode.Parse(stdout)!;
        obj["data"].ShouldEqualJson("""{"a":"9","b":"2"}""");
        var owners = obj["metadata"]!["managedFields"]!.AsArray()
            .Where(e => e!["fieldsV1"]!["f:data"]?["f:a"] is not null)
            .Select(e => e!["manager"]!.GetValue<string>() + "/" + e["operation"]!.GetValue<string>());
        owners.Should().Equal("kubectl/Apply");
    }
}
