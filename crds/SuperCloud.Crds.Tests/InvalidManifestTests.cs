using System.Text.Json.Nodes;
using SuperCloud.Crds.Tests.Validation;

namespace SuperCloud.Crds.Tests;

/// <summary>
/// Each file in invalid/ holds one bad manifest (or, for updates, the old object then the new one) and
/// "# expect: ..." lines: texts that must appear in the errors, starting with the field path.
/// </summary>
public sealed class InvalidManifestTests
{
    public static TheoryData<string> Files => [.. FileNames()];

    private static List<string> FileNames() =>
        [.. Directory.EnumerateFiles(RepoPaths.Invalid, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_required_invalid_cases_exist()
    {
        FileNames().Should().Contain(
            "negative-memory.yaml", "unknown-enum.yaml", "missing-required.yaml", "contradictory-placement.yaml",
            "boot-host-path.yaml", "boot-kernel-path.yaml", "disk-host-path.yaml", "boot-image-changed.yaml", "migration-spec-changed.yaml");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Invalid_manifest_is_rejected_with_an_error_naming_the_field(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.Invalid, file));
        var expectations = text.Split('\n').Where(l => l.StartsWith("# expect: ", StringComparison.Ordinal))
            .Select(l => l["# expect: ".Length..].Trim()).ToList();
        var documents = YamlJson.ReadDocuments(text);
        expectations.Should().NotBeEmpty($"{file} must say what error it expects");
        documents.Should().HaveCountLessThanOrEqualTo(2);

        var (old, current) = documents.Count == 2 ? (documents[0], documents[1]) : ((JsonObject?)null, documents[0]);
        if (old is not null)
        {
            ManifestValidator.Validate(old).Should().BeEmpty($"{file}: the old object must be valid, only the change is not");
        }

        var errors = ManifestValidator.Validate(current, old);

        errors.Should().HaveCount(expectations.Count, $"{file} should fail for its one reason only, not: {string.Join(" | ", errors)}");
        foreach (var expected in expectations)
        {
            errors.Should().Contain(e => e.Contains(expected, StringComparison.Ordinal), $"{file} should fail with \"{expected}\"");
        }
    }

    [Fact]
    public void Updating_only_the_status_of_a_migration_passes_the_immutability_rule()
    {
        var old = Migration("""{"superPod":"web","target":{"node":"n1"},"limits":{"bandwidth":"64Mi"}}""");
        var updated = Migration("""{"superPod":"web","target":{"node":"n1"},"limits":{"bandwidth":"64Mi"}}""");
        updated["status"] = new JsonObject { ["phase"] = "Transferring" };

        ManifestValidator.Validate(updated, old).Should().BeEmpty();
    }

    [Fact]
    public void Changing_a_superclusters_provider_is_rejected_but_changing_its_prices_is_not()
    {
        var old = Cluster("aws", "0.01");

        ManifestValidator.Validate(Cluster("aws", "0.02"), old).Should().BeEmpty();
        ManifestValidator.Validate(Cluster("onprem", "0.01"), old).Should().ContainSingle()
            .Which.Should().Be("spec.provider: Invalid value: \"string\": provider is immutable");
    }

    [Theory]
    [InlineData("""{"node":"n1","cloud":"aws"}""", false)]
    [InlineData("""{"cluster":"c1","region":"eu-west-1"}""", false)]
    [InlineData("""{"cloud":"aws","region":"eu-west-1"}""", true)]
    [InlineData("""{"node":"n1"}""", true)]
    [InlineData("""{}""", true)]
    public void Migration_target_names_one_place(string target, bool valid)
    {
        var errors = ManifestValidator.Validate(Migration("""{"superPod":"web","target":""" + target + "}"));

        if (valid)
        {
            errors.Should().BeEmpty();
        }
        else
        {
            errors.Should().ContainSingle().Which.Should().StartWith("spec.target: Invalid value: \"object\": set only one of node, cluster, or cloud/region");
        }
    }

    [Fact]
    public void Defaults_are_applied_before_rules_so_a_stub_without_access_needs_a_local_address()
    {
        var stub = JsonNode.Parse("""
            {"apiVersion":"supercloud.dev/v1alpha1","kind":"StubResource","metadata":{"name":"s"},
             "spec":{"type":"Service","location":{"cloud":"aws"},"endpoint":{"host":"db","port":5432}}}
            """)!.AsObject();

        ManifestValidator.Validate(stub).Should().Equal("spec.localAddress: Required value: localAddress is required when access is Proxy");
    }

    private static JsonObject Migration(string spec) => JsonNode.Parse(
        """{"apiVersion":"supercloud.dev/v1alpha1","kind":"SuperPodMigration","metadata":{"name":"m","namespace":"default"},"spec":""" + spec + "}")!.AsObject();

    private static JsonObject Cluster(string provider, string price) => JsonNode.Parse($$$"""
        {"apiVersion":"supercloud.dev/v1alpha1","kind":"SuperCluster","metadata":{"name":"c"},
         "spec":{"provider":"{{{provider}}}","region":"lab","pricing":{"onDemand":{"perVcpuHour":"{{{price}}}","perGiBHour":"0.001"} } } }
        """)!.AsObject();
}
