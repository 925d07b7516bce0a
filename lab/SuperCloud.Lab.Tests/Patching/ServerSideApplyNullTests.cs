using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class ServerSideApplyNullTests
{
    private static readonly DateTimeOffset T1 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Null_creation_timestamp_from_dry_run_yaml_keeps_the_live_one()
    {
        var live = ServerSideApply.Apply(null, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}}"""),
            "kubectl", false, "v1", "ConfigMap", null, T1);
        live["metadata"]!["creationTimestamp"] = "2026-03-01T00:00:00Z";
        var result = ServerSideApply.Apply(live, ApplyConfiguration.Parse("""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: c
              creationTimestamp: null
            data:
              k: v
            """), "kubectl", false, "v1", "ConfigMap", null, T1.AddMinutes(1));
        result["metadata"]!["creationTimestamp"]!.GetValue<string>().Should().Be("2026-03-01T00:00:00Z");
        JsonValues.DeepEquals(live, result).Should().BeTrue();
    }

    [Fact]
    public void Explicit_null_in_config_removes_the_value()
    {
        var live = ServerSideApply.Apply(null, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"2"}}"""),
            "one", false, "v1", "ConfigMap", null, T1);
        var result = ServerSideApply.Apply(live, Obj("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":null}}"""),
            "one", false, "v1", "ConfigMap", null, T1);
        result["data"].ShouldEqualJson("""{"a":"1"}""");
    }
}
