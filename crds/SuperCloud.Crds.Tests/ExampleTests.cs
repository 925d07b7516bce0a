using k8s;
using SuperCloud.Crds.Tests.Validation;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Crds.Tests;

public sealed class ExampleTests
{
    public static TheoryData<string> Files => [.. FileNames()];

    private static List<string> FileNames() =>
        [.. Directory.EnumerateFiles(RepoPaths.Examples, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void There_is_an_example_for_every_kind_and_a_three_cloud_setup()
    {
        FileNames().Should().BeEquivalentTo(
            "superpod.yaml", "superpodmigration.yaml", "migrationpolicy.yaml", "stubresource.yaml",
            "supercluster.yaml", "supernode.yaml", "three-clouds.yaml");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_example_is_valid_against_the_generated_crds(string file)
    {
        var documents = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file)));

        documents.Should().NotBeEmpty();
        foreach (var document in documents)
        {
            ManifestValidator.Validate(document).Should().BeEmpty($"{file}: {document["kind"]} {document["metadata"]?["name"]}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_example_passes_a_json_schema_validator_for_the_openapi_subset(string file)
    {
        // An independent implementation of the OpenAPI keywords (JsonSchema.Net), beside the lab API server's.
        foreach (var document in YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file))))
        {
            var schema = CrdCatalog.SchemaOf(document["kind"]!.GetValue<string>());
            OpenApiSchemaValidator.Validate(schema, document).Should().BeEmpty($"{file}: {document["kind"]} {document["metadata"]?["name"]}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_example_deserializes_into_the_CSharp_types(string file)
    {
        foreach (var document in YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file))))
        {
            var json = document.ToJsonString();
            object typed = document["kind"]!.GetValue<string>() switch
            {
                SuperPod.KubeKind => KubernetesJson.Deserialize<SuperPod>(json),
                SuperPodMigration.KubeKind => KubernetesJson.Deserialize<SuperPodMigration>(json),
                MigrationPolicy.KubeKind => KubernetesJson.Deserialize<MigrationPolicy>(json),
                StubResource.KubeKind => KubernetesJson.Deserialize<StubResource>(json),
                SuperCluster.KubeKind => KubernetesJson.Deserialize<SuperCluster>(json),
                SuperNode.KubeKind => KubernetesJson.Deserialize<SuperNode>(json),
                var other => throw new InvalidDataException($"{file}: unknown kind {other}"),
            };
            typed.Should().NotBeNull();
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Namespaced_examples_live_in_default_and_cluster_scoped_ones_have_no_namespace(string file)
    {
        foreach (var document in YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file))))
        {
            var kind = document["kind"]!.GetValue<string>();
            var ns = document["metadata"]?["namespace"]?.GetValue<string>();
            var scope = CrdCatalog.All[kind]["spec"]!["scope"]!.GetValue<string>();
            if (scope == "Cluster")
            {
                ns.Should().BeNull($"{file}: {kind} is cluster-scoped");
            }
            else
            {
                ns.Should().BeOneOf([null, "default"], $"{file}: {kind}");
            }
        }
    }

    [Fact]
    public void Three_clouds_has_two_aws_regions_an_onprem_cluster_a_spot_policy_a_stub_and_two_superpods()
    {
        var documents = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, "three-clouds.yaml")));
        List<string> OfKind(string kind) =>
            [.. documents.Where(d => d["kind"]!.GetValue<string>() == kind).Select(d => d.ToJsonString())];
        var clusters = OfKind(SuperCluster.KubeKind).Select(d => KubernetesJson.Deserialize<SuperCluster>(d).Spec).ToList();
        var policies = OfKind(MigrationPolicy.KubeKind).Select(d => KubernetesJson.Deserialize<MigrationPolicy>(d).Spec).ToList();

        clusters.Where(c => c.Provider == CloudProvider.Aws).Select(c => c.Region).Should().BeEquivalentTo("us-east-1", "eu-west-1");
        clusters.Should().ContainSingle(c => c.Provider == CloudProvider.OnPrem);
        policies.Should().ContainSingle(p => p.Triggers.SpotPrice != null && p.Triggers.SpotInterruption != null);
        OfKind(StubResource.KubeKind).Should().ContainSingle();
        OfKind(SuperPod.KubeKind).Should().HaveCount(2);
    }
}
