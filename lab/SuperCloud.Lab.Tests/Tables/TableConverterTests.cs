using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Tables;

namespace SuperCloud.Lab.Tests.Tables;

public sealed class TableConverterTests
{
    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly DateTimeOffset Now = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private static ApiResource Crd(IReadOnlyList<PrinterColumn> columns) => new(
        "supercloud.dev", "v1alpha1", "SuperPod", "SuperPodList", "superpods", "superpod", true, ["sp"], ["all"],
        ["get", "list", "watch", "create", "update", "patch", "delete"], true, new JsonObject { ["type"] = "object" }, columns);

    private static ApiResource BuiltIn(string group, string version, string kind, string plural) => new(
        group, version, kind, kind + "List", plural, kind.ToLowerInvariant(), true, [], [], ["get", "list"], false, null, []);

    private static JsonObject Pod(string name, string created, string? phase = null, int? cpu = null) =>
        JsonNode.Parse($$"""
        {"apiVersion": "supercloud.dev/v1alpha1", "kind": "SuperPod",
         "metadata": {"name": "{{name}}", "namespace": "default", "creationTimestamp": "{{created}}", "resourceVersion": "7"},
         "spec": {"resources": {"cpu": {{(cpu is null ? "null" : cpu.ToString())}}}, "networks": [{"ip": "10.0.0.5"}]},
         "status": {{(phase is null ? "{}" : $"{{\"phase\": \"{phase}\", \"since\": \"2026-01-10T11:58:00Z\"}}")}}}
        """)!.AsObject();

    private static readonly PrinterColumn[] Columns =
    [
        new("Phase", "string", null, "The phase.", 0, ".status.phase"),
        new("CPU", "integer", null, null, 0, ".spec.resources.cpu"),
        new("IP", "string", null, null, 1, ".spec.networks[0].ip"),
        new("Since", "date", null, null, 0, ".status.since"),
    ];

    [Fact]
    public void Crd_table_has_name_then_printer_columns_with_definitions()
    {
        var table = TableConverter.ToTable(Crd(Columns), [Pod("web-1", "2026-01-10T11:00:00Z", "Running", 2)], "42", "next", "Metadata", Now);
        table["kind"]!.GetValue<string>().Should().Be("Table");
        table["apiVersion"]!.GetValue<string>().Should().Be("meta.k8s.io/v1");
        table["metadata"]!.ToJsonString().Should().Be("""{"resourceVersion":"42","continue":"next"}""");
        var defs = table["columnDefinitions"]!.AsArray();
        defs.Select(d => d!["name"]!.GetValue<string>()).Should().Equal("Name", "Phase", "CPU", "IP", "Since");
        defs[0]!["format"]!.GetValue<string>().Should().Be("name");
        defs[1]!["description"]!.GetValue<string>().Should().Be("The phase.");
        defs[2]!["description"]!.GetValue<string>().Should().Be("Custom resource definition column (in JSONPath format): .spec.resources.cpu");
        defs[3]!["priority"]!.GetValue<int>().Should().Be(1);
        defs[4]!["type"]!.GetValue<string>().Should().Be("date");
        table["rows"]![0]!["cells"]!.ToJsonString(Relaxed).Should().Be("""["web-1","Running",2,"10.0.0.5","2m"]""");
    }

    [Fact]
    public void Missing_values_give_null_cells()
    {
        var table = TableConverter.ToTable(Crd(Columns), [Pod("web-2", "2026-01-10T11:00:00Z")], null, null, "None", Now);
        table["rows"]![0]!["cells"]!.ToJsonString(Relaxed).Should().Be("""["web-2",null,null,"10.0.0.5",null]""");
        table["metadata"]!.ToJsonString().Should().Be("{}");
    }

    [Fact]
    public void Crd_without_printer_columns_shows_name_and_age()
    {
        var table = TableConverter.ToTable(Crd([]), [Pod("web-1", "2026-01-10T11:57:00Z")], "1", null, "Metadata", Now);
        table["columnDefinitions"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).Should().Equal("Name", "Age");
        table["rows"]![0]!["cells"]!.ToJsonString(Relaxed).Should().Be("""["web-1","3m"]""");
    }

    [Fact]
    public void Include_object_metadata_gives_partial_object_metadata()
    {
        var row = TableConverter.ToTable(Crd(Columns), [Pod("web-1", "2026-01-10T11:00:00Z")], null, null, "Metadata", Now)["rows"]![0]!;
        row["object"]!["kind"]!.GetValue<string>().Should().Be("PartialObjectMetadata");
        row["object"]!["apiVersion"]!.GetValue<string>().Should().Be("meta.k8s.io/v1");
        row["object"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("web-1");
        row["object"]!.AsObject().ContainsKey("spec").Should().BeFalse();
    }

    [Fact]
    public void Include_object_variants_none_and_object()
    {
        var pod = Pod("web-1", "2026-01-10T11:00:00Z");
        TableConverter.ToTable(Crd(Columns), [pod], null, null, "None", Now)["rows"]![0]!.AsObject().ContainsKey("object").Should().BeFalse();
        var full = TableConverter.ToTable(Crd(Columns), [pod], null, null, "Object", Now)["rows"]![0]!["object"]!;
        JsonNode.DeepEquals(full, pod).Should().BeTrue();
    }

    [Fact]
    public void Unknown_include_object_is_a_bad_request()
    {
        var act = () => TableConverter.ToTable(Crd(Columns), [], null, null, "Everything", Now);
        act.Should().Throw<StatusException>().Which.Code.Should().Be(400);
    }

    [Fact]
    public void Config_map_table_counts_data_keys()
    {
        var cm = JsonNode.Parse("""{"metadata": {"name": "cfg", "creationTimestamp": "2026-01-08T12:00:00Z"}, "data": {"a": "1", "b": "2"}, "binaryData": {"c": "AA=="}}""")!.AsObject();
        var table = TableConverter.ToTable(BuiltIn("", "v1", "ConfigMap", "configmaps"), [cm], "5", null, "Metadata", Now);
        table["columnDefinitions"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).Should().Equal("Name", "Data", "Age");
        table["rows"]![0]!["cells"]!.ToJsonString(Relaxed).Should().Be("""["cfg",3,"2d"]""");
    }

    [Fact]
    public void Deployment_table_has_wide_columns_with_priority_one()
    {
        var deployment = JsonNode.Parse("""
        {"metadata": {"name": "op", "creationTimestamp": "2026-01-10T11:59:55Z"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "op"}},
                  "template": {"spec": {"containers": [{"name": "manager", "image": "op:1"}, {"name": "proxy", "image": "p:2"}]}}},
         "status": {"readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1}}
        """)!.AsObject();
        var table = TableConverter.ToTable(BuiltIn("apps", "v1", "Deployment", "deployments"), [deployment], null, null, "None", Now);
        var defs = table["columnDefinitions"]!.AsArray();
        defs.Select(d => d!["name"]!.GetValue<string>()).Should().Equal("Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector");
        defs.Where(d => d!["priority"]!.GetValue<int>() == 1).Select(d => d!["name"]!.GetValue<string>()).Should().Equal("Containers", "Images", "Selector");
        table["rows"]![0]!["cells"]!.ToJsonString(Relaxed).Should().Be("""["op","1/2",2,1,"5s","manager,proxy","op:1,p:2","app=op"]""");
    }

    [Fact]
    public void Pod_table_counts_ready_containers_and_prefers_a_waiting_reason_and_terminating_over_the_phase()
    {
        var running = JsonNode.Parse("""
        {"metadata": {"name": "agent-a", "creationTimestamp": "2026-01-10T11:00:00Z"},
         "spec": {"nodeName": "host-1", "containers": [{"name": "agent"}, {"name": "sidecar"}]},
         "status": {"phase": "Running", "podIP": "10.1.0.5", "containerStatuses": [
           {"name": "agent", "ready": true, "restartCount": 2, "state": {"running": {}}},
           {"name": "sidecar", "ready": false, "restartCount": 1, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}
        """)!.AsObject();
        var deleting = JsonNode.Parse("""
        {"metadata": {"name": "agent-b", "creationTimestamp": "2026-01-10T11:59:00Z", "deletionTimestamp": "2026-01-10T11:59:59Z"},
         "spec": {"containers": [{"name": "agent"}]}, "status": {"phase": "Running"}}
        """)!.AsObject();
        var table = TableConverter.ToTable(BuiltIn("", "v1", "Pod", "pods"), [running, deleting], null, null, "None", Now);
        table["columnDefinitions"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()).Should()
            .Equal("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates");
        table["rows"]![0]!["cells"]!.ToJsonString(Relaxed).Should().Be("""["agent-a","1/2","CrashLoopBackOff","3","60m","10.1.0.5","host-1","<none>","<none>"]""");
        table["rows"]![1]!["cells"]!.ToJsonString(Relaxed).Should().Be("""["agent-b","0/1","Terminating","0","60s","<none>","<none>","<none>","<none>"]""");
    }

    [Fact]
    public void Node_table_shows_readiness_cordon_roles_and_addresses()
    {
        var node = JsonNode.Parse("""
        {"metadata": {"name": "host-1", "creationTimestamp": "2026-01-08T12:00:00Z", "labels": {"node-role.kubernetes.io/worker": "", "node-role.kubernetes.io/gpu": ""}},
         "spec": {"unschedulable": true},
         "status": {"conditions": [{"type": "Ready", "status": "False"}], "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}],
                    "nodeInfo": {"kubeletVersion": "v1.35.0", "kernelVersion": "6.1.0"}}}
        """)!.AsObject();
        TableConverter.ToTable(BuiltIn("", "v1", "Node", "nodes"), [node], null, null, "None", Now)["rows"]![0]!["cells"]!.ToJsonString(Relaxed)
            .Should().Be("""["host-1","NotReady,SchedulingDisabled","gpu,worker","2d","v1.35.0","10.0.0.1","<none>","<unknown>","6.1.0","<unknown>"]""");
    }

    [Fact]
    public void Service_table_formats_ports_and_ips()
    {
        var svc = JsonNode.Parse("""
        {"metadata": {"name": "api", "creationTimestamp": "2026-01-10T09:00:00Z"},
         "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}], "selector": {"app": "api"}}}
        """)!.AsObject();
        TableConverter.ToTable(BuiltIn("", "v1", "Service", "services"), [svc], null, null, "None", Now)["rows"]![0]!["cells"]!.ToJsonString(Relaxed)
            .Should().Be("""["api","NodePort","10.96.0.10","<none>","80:30080/TCP,53/UDP","3h","app=api"]""");
    }

    [Fact]
    public void Lease_namespace_and_rbac_tables_match_kube_columns()
    {
        var lease = JsonNode.Parse("""{"metadata": {"name": "leader", "creationTimestamp": "2026-01-10T11:59:00Z"}, "spec": {"holderIdentity": "pod-a"}}""")!.AsObject();
        TableConverter.ToTable(BuiltIn("coordination.k8s.io", "v1", "Lease", "leases"), [lease], null, null, "None", Now)["rows"]![0]!["cells"]!.ToJsonString(Relaxed)
            .Should().Be("""["leader","pod-a","60s"]""");
        var ns = JsonNode.Parse("""{"metadata": {"name": "default", "creationTimestamp": "2025-01-10T12:00:00Z"}, "status": {"phase": "Active"}}""")!.AsObject();
        TableConverter.ToTable(BuiltIn("", "v1", "Namespace", "namespaces"), [ns], null, null, "None", Now)["rows"]![0]!["cells"]!.ToJsonString(Relaxed)
            .Should().Be("""["default","Active","365d"]""");
        var binding = JsonNode.Parse("""
        {"metadata": {"name": "b", "creationTimestamp": "2026-01-10T11:00:00Z"}, "roleRef": {"kind": "ClusterRole", "name": "admin"},
         "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "op", "namespace": "sys"}]}
        """)!.AsObject();
        TableConverter.ToTable(BuiltIn("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings"), [binding], null, null, "None", Now)["rows"]![0]!["cells"]!
            .ToJsonString(Relaxed).Should().Be("""["b","ClusterRole/admin","60m","alice","","sys:op"]""");
        var role = JsonNode.Parse("""{"metadata": {"name": "r", "creationTimestamp": "2026-01-10T11:00:00+00:00"}}""")!.AsObject();
        TableConverter.ToTable(BuiltIn("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles"), [role], null, null, "None", Now)["rows"]![0]!["cells"]!
            .ToJsonString(Relaxed).Should().Be("""["r","2026-01-10T11:00:00Z"]""");
    }

    [Fact]
    public void Event_table_shows_last_seen_with_repeat_count()
    {
        var ev = JsonNode.Parse("""
        {"metadata": {"name": "web-1.abc", "creationTimestamp": "2026-01-10T11:50:00Z"}, "type": "Warning", "reason": "MigrationFailed",
         "involvedObject": {"kind": "SuperPod", "name": "web-1"}, "message": "target died", "count": 3,
         "firstTimestamp": "2026-01-10T11:50:00Z", "lastTimestamp": "2026-01-10T11:59:30Z", "source": {"component": "supercloud-operator"}}
        """)!.AsObject();
        TableConverter.ToTable(BuiltIn("", "v1", "Event", "events"), [ev], null, null, "None", Now)["rows"]![0]!["cells"]!.ToJsonString(Relaxed)
            .Should().Be("""["30s (x3 over 10m)","Warning","MigrationFailed","superpod/web-1","","supercloud-operator","target died","10m",3,"web-1.abc"]""");
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(5, "5s")]
    [InlineData(119, "119s")]
    [InlineData(182, "3m2s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 + 60, "3h1m")]
    [InlineData(10 * 3600, "10h")]
    [InlineData(50 * 3600, "2d2h")]
    [InlineData(48 * 3600, "2d")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(3 * 365 * 86400 + 86400, "3y1d")]
    [InlineData(-1, "0s")]
    [InlineData(-5, "<invalid>")]
    public void Human_duration_matches_kube(int seconds, string expected)
    {
        HumanDuration.Format(TimeSpan.FromSeconds(seconds)).Should().Be(expected);
    }
}
