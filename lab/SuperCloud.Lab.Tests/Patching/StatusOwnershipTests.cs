using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class StatusOwnershipTests
{
    private static readonly DateTimeOffset T1 = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Status_apply_conflicting_with_a_status_updater_names_the_subresource()
    {
        var obj = Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1}}""");
        ServerSideApply.TrackUpdate(null, obj, "creator", "apps/v1", T1);
        var withStatus = (JsonObject)obj.DeepClone();
        withStatus["status"] = Obj("""{"replicas":1}""");
        ServerSideApply.TrackUpdate(obj, withStatus, "kube-controller-manager", "apps/v1", T1, subresource: "status");

        var body = Obj("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"status":{"replicas":2}}""");
        var act = () => ServerSideApply.Apply(withStatus, body, "my-controller", false, "apps/v1", "Deployment", null, T1, subresource: "status");
        act.Should().Throw<SuperCloud.Lab.ApiServer.StatusException>().Which.Message.Should().Be(
            "Apply failed with 1 conflict: conflict with \"kube-controller-manager\" with subresource \"status\" using apps/v1: .status.replicas");
    }

    [Fact]
    public void Kubectl_create_then_identical_server_side_apply_shares_ownership()
    {
        var obj = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}""");
        ServerSideApply.TrackUpdate(null, obj, "kubectl-create", "v1", T1);
        var applied = ServerSideApply.Apply(obj, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}}"""),
            "kubectl", false, "v1", "ConfigMap", null, T1.AddMinutes(1));
        applied["data"].ShouldEqualJson("""{"a":"1"}""");
        applied["metadata"]!["managedFields"]!.AsArray().Select(e => e!["manager"]!.GetValue<string>())
            .Should().Equal("kubectl", "kubectl-create");
        // Nothing changed, so the applier's entry carries no new time stamp, as in kube.
        applied["metadata"]!["managedFields"]![0]!.AsObject().ContainsKey("time").Should().BeFalse();
    }
}
