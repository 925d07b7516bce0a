using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class ServerSideApplyEdgeTests
{
    private static readonly DateTimeOffset T1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Dropping_all_labels_removes_them_but_keeps_name_and_namespace()
    {
        var first = ServerSideApply.Apply(null,
            Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns","labels":{"a":"1"}},"data":{"k":"v"}}"""),
            "mgr", false, "v1", "ConfigMap", null, T1);
        var second = ServerSideApply.Apply(first,
            Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"ns"},"data":{"k":"v"}}"""),
            "mgr", false, "v1", "ConfigMap", null, T1.AddSeconds(1));
        second["metadata"]!["name"]!.GetValue<string>().Should().Be("c");
        second["metadata"]!["namespace"]!.GetValue<string>().Should().Be("ns");
        second["metadata"]!.AsObject().ContainsKey("labels").Should().BeFalse();
    }

    [Fact]
    public void Yaml_apply_of_a_service_keys_ports_by_port_and_defaulted_protocol()
    {
        var applied = ApplyConfiguration.Parse("""
            apiVersion: v1
            kind: Service
            metadata: {name: s, namespace: default}
            spec:
              selector: {app: web}
              ports:
              - port: 80
                targetPort: 8080
            """);
        var result = ServerSideApply.Apply(null, applied, "helm", false, "v1", "Service", null, T1);
        result["metadata"]!["managedFields"]![0]!["fieldsV1"].Compact().Should().Be(
            """{"f:spec":{"f:ports":{"k:{\"port\":80,\"protocol\":\"TCP\"}":{".":{},"f:port":{},"f:targetPort":{}}},"f:selector":{}}}""");
    }

    [Fact]
    public void Null_managed_fields_in_the_body_are_accepted()
    {
        var body = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","managedFields":null},"data":{"k":"v"}}""");
        var result = ServerSideApply.Apply(null, body, "mgr", false, "v1", "ConfigMap", null, T1);
        result["metadata"]!["managedFields"]!.AsArray().Should().HaveCount(1);
    }

    [Fact]
    public void Applying_does_not_modify_its_inputs()
    {
        var live = ServerSideApply.Apply(null, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}"""),
            "a", false, "v1", "ConfigMap", null, T1);
        var body = Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"w"}}""");
        var liveBefore = live.ToJsonString();
        var bodyBefore = body.ToJsonString();
        ServerSideApply.Apply(live, body, "b", true, "v1", "ConfigMap", null, T1);
        live.ToJsonString().Should().Be(liveBefore);
        body.ToJsonString().Should().Be(bodyBefore);
    }
}
