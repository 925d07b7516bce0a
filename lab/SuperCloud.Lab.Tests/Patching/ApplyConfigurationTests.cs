using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Patching;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class ApplyConfigurationTests
{
    [Fact]
    public void Yaml_body_becomes_typed_json()
    {
        var obj = ApplyConfiguration.Parse("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web, version: "2"}
            spec:
              replicas: 3
              paused: false
              progressDeadlineSeconds: 600
              minReadySeconds: ~
              template:
                spec:
                  containers:
                  - name: web
                    image: "nginx:1.27"
                    args: ["--port", "8080"]
            """);
        obj.ShouldEqualJson("""
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web","version":"2"}},
             "spec":{"replicas":3,"paused":false,"progressDeadlineSeconds":600,"minReadySeconds":null,
               "template":{"spec":{"containers":[{"name":"web","image":"nginx:1.27","args":["--port","8080"]}]}}}}
            """);
    }

    [Fact]
    public void Json_body_is_accepted()
    {
        ApplyConfiguration.Parse("""  {"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}""")
            .ShouldEqualJson("""{"apiVersion":"v1","kind":"ConfigMap","data":{"a":"1"}}""");
    }

    [Theory]
    [InlineData("a: [1, 2")]
    [InlineData("- just\n- a list")]
    [InlineData("{\"a\": ")]
    [InlineData("a: 1\n---\nb: 2")]
    [InlineData("a: 1\na: 2")]
    [InlineData("a: *missing")]
    public void Malformed_body_is_400_error_decoding_yaml(string body)
    {
        var act = () => ApplyConfiguration.Parse(body);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(400);
        ex.Message.Should().StartWith("error decoding YAML: ");
    }
}
