using System.Globalization;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;
using YamlDotNet.RepresentationModel;

namespace SuperCloud.Lab.Tests.Validation;

/// <summary>The project's real CRDs (crds/generated) must compile as the lab API server will compile them.</summary>
public sealed class GeneratedCrdTests
{
    public static TheoryData<string> CrdFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(GeneratedDirectory(), "*.yaml").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CrdFiles))]
    public void Generated_crd_schemas_are_structural_and_their_rules_compile(string file)
    {
        var crd = Load(Path.Combine(GeneratedDirectory(), file));
        var versions = crd["spec"]!["versions"]!.AsArray();
        versions.Should().NotBeEmpty();
        for (var i = 0; i < versions.Count; i++)
        {
            var schema = versions[i]!["schema"]!["openAPIV3Schema"]!.AsObject();
            CustomResourceSchema.Check(schema, $"spec.versions[{i}].schema.openAPIV3Schema").Select(e => e.Message).Should().BeEmpty();
        }
    }

    [Fact]
    public void Generated_superpod_crd_accepts_a_minimal_object_after_defaulting_and_rejects_a_bad_one()
    {
        var crd = Load(Path.Combine(GeneratedDirectory(), "supercloud.dev_superpods.yaml"));
        var schema = CustomResourceSchema.Compile(crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject());
        var bad = JsonNode.Parse("""{"apiVersion": "supercloud.dev/v1alpha1", "kind": "SuperPod", "metadata": {"name": "x"}, "spec": {"resources": {"cpu": "lots"}}}""")!.AsObject();
        schema.Prune(bad);
        schema.ApplyDefaults(bad);
        schema.Validate(bad, null).Should().NotBeEmpty();
    }

    private static CustomResourceSchema CompileGenerated(string file) =>
        CustomResourceSchema.Compile(Load(Path.Combine(GeneratedDirectory(), file))["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject());

    private static JsonObject SuperPod(string specJson) =>
        JsonNode.Parse("""{"apiVersion": "supercloud.dev/v1alpha1", "kind": "SuperPod", "metadata": {"name": "web-1", "namespace": "default"}, "spec": """ + specJson + "}")!.AsObject();

    [Fact]
    public void Generated_superpod_rules_accept_valid_and_report_project_messages()
    {
        var schema = CompileGenerated("supercloud.dev_superpods.yaml");
        var valid = SuperPod("""{"boot": {"image": "supercloud/test-guest:latest"}, "resources": {"cpu": "500m", "memory": "1Gi"}}""");
        schema.Prune(valid).Should().BeEmpty();
        schema.ApplyDefaults(valid);
        valid["spec"]!["runStrategy"]!.GetValue<string>().Should().Be("Always");
        schema.Validate(valid, null).Should().BeEmpty();

        var hostPath = SuperPod("""{"boot": {"image": "/var/lib/supercloud/images/disk.qcow2"}, "resources": {"cpu": 2, "memory": "1Gi"}}""");
        schema.ApplyDefaults(hostPath);
        schema.Validate(hostPath, null).Select(e => e.Message).Should().Equal(
            "spec.boot.image: Invalid value: \"string\": must be an image reference such as registry.example.com/team/vm:v1 or team/vm@sha256:<64 hex digits>; host paths are not accepted");

        var spot = SuperPod("""{"boot": {"image": "vm"}, "resources": {"cpu": 2, "memory": "1Gi"}, "placement": {"spot": "Forbidden", "maxPricePerHour": "0.5"}}""");
        schema.ApplyDefaults(spot);
        var errors = schema.Validate(spot, null);
        errors.Select(e => e.Message).Should().Contain("spec.placement.maxPricePerHour: Forbidden: maxPricePerHour caps the spot price and contradicts spot: Forbidden");
    }

    [Fact]
    public void Generated_superpod_quantities_follow_the_quantity_pattern()
    {
        var schema = CompileGenerated("supercloud.dev_superpods.yaml");
        var bad = SuperPod("""{"boot": {"image": "vm"}, "resources": {"cpu": "two", "memory": "1Gi"}}""");
        schema.Validate(bad, null).Select(e => e.Field).Should().Contain("spec.resources.cpu");
    }

    [Fact]
    public void Generated_migration_spec_is_immutable_on_update()
    {
        var schema = CompileGenerated("supercloud.dev_superpodmigrations.yaml");
        JsonObject Migration(string superPod) => JsonNode.Parse(
            """{"apiVersion": "supercloud.dev/v1alpha1", "kind": "SuperPodMigration", "metadata": {"name": "m"}, "spec": {"superPod": """ + $"\"{superPod}\"" + "}}")!.AsObject();
        schema.Validate(Migration("a"), null).Should().BeEmpty();
        schema.Validate(Migration("b"), Migration("a")).Select(e => e.Message).Should().Equal(
            "spec: Invalid value: \"object\": spec is immutable: delete the SuperPodMigration and create a new one to retry");
    }

    [Fact]
    public void Generated_superpod_network_addresses_must_be_well_formed()
    {
        var schema = CompileGenerated("supercloud.dev_superpods.yaml");
        var bad = SuperPod("""{"boot": {"image": "supercloud/test-guest:latest"}, "resources": {"cpu": 1, "memory": "1Gi"}, "networks": [{"name": "eth0", "ip": "10.200.0.256", "mac": "01:00:5e:00:00:01"}]}""");
        schema.ApplyDefaults(bad);

        schema.Validate(bad, null).Select(e => e.Field).Should().BeEquivalentTo("spec.networks[0].ip", "spec.networks[0].mac");
        bad["spec"]!["networks"]![0]!["overlay"]!.GetValue<string>().Should().Be("default");

        var fixedIp = SuperPod("""{"boot": {"image": "supercloud/test-guest:latest"}, "resources": {"cpu": 1, "memory": "1Gi"}, "networks": [{"name": "eth0", "ip": "10.200.0.10"}]}""");
        var changed = SuperPod("""{"boot": {"image": "supercloud/test-guest:latest"}, "resources": {"cpu": 1, "memory": "1Gi"}, "networks": [{"name": "eth0", "ip": "10.200.0.11"}]}""");
        schema.Validate(changed, fixedIp).Select(e => e.Message).Should().ContainSingle().Which.Should().Contain("ip is immutable once set");
    }

    [Fact]
    public void Generated_supercluster_overlay_rules_name_the_field()
    {
        var schema = CompileGenerated("supercloud.dev_superclusters.yaml");
        IEnumerable<string> Errors(string networks)
        {
            var cluster = JsonNode.Parse(
                """{"apiVersion": "supercloud.dev/v1alpha1", "kind": "SuperCluster", "metadata": {"name": "aws"}, "spec": {"provider": "aws", "region": "us-east-1", "overlay": {"networks": """
                + networks + "}}}")!.AsObject();
            schema.ApplyDefaults(cluster);
            return schema.Validate(cluster, null).Select(e => e.Message);
        }

        Errors("""[{"name": "default", "vni": 4096, "cidr": "10.200.0.0/24"}, {"name": "blue", "vni": 4097, "cidr": "10.201.0.0/24"}]""").Should().BeEmpty();
        Errors("""[{"name": "default", "vni": 4096, "cidr": "10.200.0.0/33"}]""").Should().ContainSingle().Which.Should().StartWith("spec.overlay.networks[0].cidr: Invalid value");
        Errors("""[{"name": "default", "vni": 4096, "cidr": "10.200.0.0/24"}, {"name": "blue", "vni": 4096, "cidr": "10.201.0.0/24"}]""")
            .Should().Contain("spec.overlay.networks: Invalid value: \"object\": two networks of one cluster cannot share a vni: each network is its own VXLAN segment");
        Errors("""[{"name": "default", "vni": 9000, "cidr": "10.200.0.0/24"}]""")
            .Should().Contain("spec.overlay.networks: Invalid value: \"object\": every network's vni must lie between vniRangeStart and vniRangeEnd");
        Errors("""[{"name": "default", "vni": 4096, "cidr": "10.200.0.0/24"}, {"name": "default", "vni": 4097, "cidr": "10.201.0.0/24"}]""")
            .Should().Contain(m => m.StartsWith("spec.overlay.networks[1]: Duplicate value", StringComparison.Ordinal));
    }

    [Fact]
    public void Rules_can_be_evaluated_concurrently()
    {
        var schema = CompileGenerated("supercloud.dev_superpods.yaml");
        var failures = 0;
        Parallel.For(0, 200, i =>
        {
            var obj = SuperPod(i % 2 == 0
                ? """{"boot": {"image": "vm"}, "resources": {"cpu": 1, "memory": "1Gi"}}"""
                : """{"boot": {"image": "/d"}, "resources": {"cpu": 1, "memory": "1Gi"}}""");
            var errors = schema.Validate(obj, null);
            if (errors.Count != (i % 2 == 0 ? 0 : 1))
            {
                Interlocked.Increment(ref failures);
            }
        });
        failures.Should().Be(0);
    }

    private static string GeneratedDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "crds", "generated")))
        {
            dir = dir.Parent;
        }

        return dir is null
            ? Path.Combine("/work/main", "crds", "generated")
            : Path.Combine(dir.FullName, "crds", "generated");
    }

    private static JsonObject Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return ToJson(stream.Documents[0].RootNode)!.AsObject();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => null,
    };

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted
            or YamlDotNet.Core.ScalarStyle.Literal or YamlDotNet.Core.ScalarStyle.Folded)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "null" or "~" or "" => null,
            "true" => JsonValue.Create(true),
            "false" => JsonValue.Create(false),
            _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(text),
        };
    }
}
