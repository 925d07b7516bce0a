using k8s;
using k8s.Models;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Patching;

/// <summary>The official C# client applying and patching through the lab API server.</summary>
public sealed class ClientApplyIntegrationTests
{
    [Fact]
    public async Task Csharp_client_apply_records_the_manager_and_reports_conflicts_as_409()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        var core = cluster.Client.CoreV1;
        const string body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default"},"data":{"mode":"a"}}""";

        var applied = await core.PatchNamespacedConfigMapAsync(new V1Patch(body, V1Patch.PatchType.ApplyPatch), "cfg", "default", fieldManager: "operator");
        applied.Data["mode"].Should().Be("a");
        var entry = applied.Metadata.ManagedFields.Should().ContainSingle().Subject;
        entry.Manager.Should().Be("operator");
        entry.Operation.Should().Be("Apply");
        entry.FieldsType.Should().Be("FieldsV1");

        var rival = body.Replace("\"a\"", "\"b\"", StringComparison.Ordinal);
        var act = () => core.PatchNamespacedConfigMapAsync(new V1Patch(rival, V1Patch.PatchType.ApplyPatch), "cfg", "default", fieldManager: "rival");
        var error = (await act.Should().ThrowAsync<k8s.Autorest.HttpOperationException>()).Which;
        ((int)error.Response.StatusCode).Should().Be(409);
        var status = System.Text.Json.Nodes.JsonNode.Parse(error.Response.Content)!;
        status["reason"]!.GetValue<string>().Should().Be("Conflict");
        status["message"]!.GetValue<string>().Should().Be("Apply failed with 1 conflict: conflict with \"operator\": .data.mode");
        status["details"]!["causes"]![0]!["field"]!.GetValue<string>().Should().Be(".data.mode");

        var merged = await core.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"extra":"x"}}""", V1Patch.PatchType.MergePatch), "cfg", "default");
        merged.Data.Should().BeEquivalentTo(new Dictionary<string, string> { ["mode"] = "a", ["extra"] = "x" });
        merged.Metadata.ManagedFields.Select(m => m.Operation).Should().Equal("Apply", "Update");
    }
}
