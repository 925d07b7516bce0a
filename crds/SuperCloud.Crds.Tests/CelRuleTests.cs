using System.Text.Json.Nodes;
using SuperCloud.Crds.Tests.Validation;

namespace SuperCloud.Crds.Tests;

/// <summary>Each cross-field rule, evaluated with the Cel package against the generated CRDs: one object it rejects and the error.</summary>
public sealed class CelRuleTests
{
    private const string Pod = "SuperPod";
    private const string PodBase = "\"resources\": {\"cpu\": 1, \"memory\": \"1Gi\"}, \"boot\": {\"image\": \"supercloud/test-guest:latest\"}";

    [Theory]
    [InlineData(Pod, """{"resources": {"cpu": 1, "memory": "1Gi"}, "boot": {"image": "/boot/vmlinuz"}}""", "spec.boot.image: Invalid value: \"string\": must be an image reference such as registry.example.com/team/vm:v1 or team/vm@sha256:<64 hex digits>; host paths are not accepted")]
    [InlineData(Pod, """{"resources": {"cpu": 1, "memory": "1Gi"}, "boot": {"image": "file:///etc/shadow"}}""", "spec.boot.image: Invalid value: \"string\": must be an image reference such as registry.example.com/team/vm:v1 or team/vm@sha256:<64 hex digits>; host paths are not accepted")]
    [InlineData(Pod, "{" + PodBase + """, "disks": [{"name": "d", "image": "../../etc/passwd"}]}""", "spec.disks[0].image: Invalid value: \"string\": must be an image reference such as registry.example.com/team/vm:v1 or team/vm@sha256:<64 hex digits>; host paths are not accepted")]
    [InlineData(Pod, "{" + PodBase + """, "disks": [{"name": "d", "size": "100Ti"}]}""", "spec.disks[0].size: Invalid value: \"\": size must be between 1Mi and 16Ti")]
    [InlineData(Pod, "{" + PodBase + """, "clientLocations": [{"name": "a", "region": "us-east-1", "latitude": "1", "longitude": "2"}]}""", "spec.clientLocations[0]: Invalid value: \"object\": give either region or latitude and longitude")]
    [InlineData(Pod, "{" + PodBase + """, "clientLocations": [{"name": "a"}]}""", "spec.clientLocations[0]: Invalid value: \"object\": give either region or latitude and longitude")]
    [InlineData("SuperPodMigration", """{"superPod": "p", "target": {"node": "n", "cluster": "c"}}""", "spec.target: Invalid value: \"object\": set only one of node, cluster, or cloud/region")]
    [InlineData("MigrationPolicy", """{"triggers": {"followTheSun": {"useClientLocations": true, "schedule": [{"fromHourUTC": 0, "region": "a"}]}}}""", "spec.triggers.followTheSun: Invalid value: \"object\": set either schedule or useClientLocations: true")]
    [InlineData("MigrationPolicy", """{"triggers": {"followTheSun": {"useClientLocations": false}}}""", "spec.triggers.followTheSun: Invalid value: \"object\": set either schedule or useClientLocations: true")]
    [InlineData("StubResource", """{"type": "Device", "location": {"cloud": "aws"}, "endpoint": {"host": "h", "port": 1}, "access": "MoveToResource"}""", "spec.location: Required value: access MoveToResource needs location.cluster or location.node to move SuperPods to")]
    [InlineData("StubResource", """{"type": "Device", "location": {"region": "lab"}, "endpoint": {"host": "h", "port": 1}, "localAddress": {"ip": "169.254.1.1"}}""", "spec.location: Required value: set at least cloud or cluster")]
    [InlineData("StubResource", """{"type": "Device", "location": {"cloud": "aws", "node": "n"}, "endpoint": {"host": "h", "port": 1}, "localAddress": {"ip": "169.254.1.1"}}""", "spec.location.cluster: Required value: node requires cluster")]
    [InlineData("SuperCluster", """{"provider": "onprem", "region": "lab", "aws": {"subnetId": "subnet-01234567"}}""", "spec.aws: Forbidden: aws settings are only valid with provider aws")]
    [InlineData("SuperCluster", """{"provider": "onprem", "region": "lab", "scaling": {"maxNodes": 3}}""", "spec.scaling: Forbidden: scaling applies to clouds the operator provisions hosts in, not onprem")]
    [InlineData("SuperCluster", """{"provider": "aws", "region": "us-east-1", "scaling": {"minNodes": 4, "maxNodes": 3}}""", "spec.scaling.maxNodes: Invalid value: \"object\": minNodes must not be greater than maxNodes")]
    public void Rule_rejects_the_contradiction_and_names_the_field(string kind, string spec, string expected)
    {
        var errors = ManifestValidator.Validate(Manifest(kind, spec));

        errors.Should().Equal(expected);
    }

    [Theory]
    [InlineData("SuperCluster", """{"provider": "aws", "region": "us-east-1"}""", """{"provider": "aws", "region": "us-west-2"}""", "spec.region: Invalid value: \"string\": region is immutable")]
    [InlineData("SuperNode", """{"cluster": "a", "agentEndpoint": "h:1"}""", """{"cluster": "b", "agentEndpoint": "h:1"}""", "spec.cluster: Invalid value: \"string\": cluster is immutable")]
    [InlineData("SuperPodMigration", """{"superPod": "p"}""", """{"superPod": "p", "reason": "NodeDrain"}""", "spec: Invalid value: \"object\": spec is immutable: delete the SuperPodMigration and create a new one to retry")]
    public void Transition_rule_rejects_the_change(string kind, string oldSpec, string newSpec, string expected)
    {
        ManifestValidator.Validate(Manifest(kind, newSpec), Manifest(kind, oldSpec)).Should().Equal(expected);
    }

    [Theory]
    [InlineData("{}", """{"ip": "10.200.0.7", "mac": "52:54:00:00:00:07"}""")]
    [InlineData("""{"ip": "10.200.0.7", "mac": "52:54:00:00:00:07"}""", """{"ip": "10.200.0.7", "mac": "52:54:00:00:00:07", "overlay": "blue"}""")]
    public void A_user_may_fix_an_unset_address_later_and_change_other_interface_fields(string oldInterface, string newInterface)
    {
        static JsonObject WithInterface(string fields)
        {
            var iface = JsonNode.Parse(fields)!.AsObject();
            iface["name"] = "eth0";
            return Manifest(Pod, "{" + PodBase + ", \"networks\": [" + iface.ToJsonString() + "]}");
        }

        ManifestValidator.Validate(WithInterface(newInterface), WithInterface(oldInterface)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("500m", "1Mi")]
    [InlineData("256", "4Ti")]
    [InlineData("1", "4096Gi")]
    public void Resources_within_the_bounds_are_accepted(string cpu, string memory)
    {
        var spec = $$$"""{"resources": {"cpu": "{{{cpu}}}", "memory": "{{{memory}}}"}, "boot": {"image": "registry.example.com:5000/team/vm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}}""";

        ManifestValidator.Validate(Manifest(Pod, spec)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("kubernetes.io/hostname", "lab-node-1")]
    [InlineData("topology.kubernetes.io/zone", "eu-west-1a")]
    [InlineData("gpu", "")]
    [InlineData("supercloud.dev/accelerator_model.v2", "A100_80GB")]
    public void Node_selectors_with_label_syntax_are_accepted(string key, string value)
    {
        var placement = new JsonObject { ["nodeSelector"] = new JsonObject { [key] = value } };
        var spec = "{" + PodBase + ", \"placement\": " + placement.ToJsonString() + "}";

        ManifestValidator.Validate(Manifest(Pod, spec)).Should().BeEmpty();
    }

    [Theory]
    [InlineData("gpu", "a b")]
    [InlineData("gpu", "-a")]
    [InlineData("gpu", "a.")]
    public void Node_selector_values_without_label_syntax_are_rejected(string key, string value)
    {
        var placement = new JsonObject { ["nodeSelector"] = new JsonObject { [key] = value } };
        var spec = "{" + PodBase + ", \"placement\": " + placement.ToJsonString() + "}";

        ManifestValidator.Validate(Manifest(Pod, spec)).Should().ContainSingle()
            .Which.Should().StartWith("spec.placement.nodeSelector: Invalid value: \"object\": nodeSelector ");
    }

    [Fact]
    public void Migration_limits_have_no_schema_defaults_so_unset_fields_stay_unset_for_the_policy_to_fill()
    {
        var migration = Manifest("SuperPodMigration", """{"superPod": "p", "limits": {"bandwidth": "64Mi"}}""");

        ManifestValidator.Validate(migration).Should().BeEmpty();
        foreach (var kind in new[] { "SuperPodMigration", "MigrationPolicy" })
        {
            var limits = CrdCatalog.SchemaOf(kind)["properties"]!["spec"]!["properties"]!["limits"]!["properties"]!.AsObject();
            limits.Where(p => p.Value!["default"] is not null).Select(p => p.Key).Should().BeEmpty(kind);
        }
    }

    [Fact]
    public void Transition_rules_do_not_run_on_create()
    {
        ManifestValidator.Validate(Manifest("SuperNode", """{"cluster": "b", "agentEndpoint": "h:1"}""")).Should().BeEmpty();
    }

    [Fact]
    public void A_migration_that_only_spells_out_the_defaults_is_not_a_change()
    {
        // Defaults are applied to both objects first, as the API server does, so "Manual" equals an absent reason.
        var old = Manifest("SuperPodMigration", """{"superPod": "p"}""");
        var updated = Manifest("SuperPodMigration", """{"superPod": "p", "reason": "Manual"}""");

        ManifestValidator.Validate(updated, old).Should().BeEmpty();
    }

    private static JsonObject Manifest(string kind, string spec) => new()
    {
        ["apiVersion"] = "supercloud.dev/v1alpha1",
        ["kind"] = kind,
        ["metadata"] = new JsonObject { ["name"] = "x" },
        ["spec"] = JsonNode.Parse(spec),
    };
}
