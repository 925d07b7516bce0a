using System.Text.Json.Nodes;
using k8s;
using SuperCloud.Crds.Tests.Validation;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Crds.Tests;

public sealed class RoundTripTests
{
    public static TheoryData<string> Kinds => [.. SampleObjects.All.Select(o => o.GetType().Name)];

    private static object Sample(string kind) => SampleObjects.All.Single(o => o.GetType().Name == kind);

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_kind_round_trips_through_KubernetesJson_unchanged(string kind)
    {
        var original = Sample(kind);
        var json = KubernetesJson.Serialize(original);

        object back = original switch
        {
            SuperPod => KubernetesJson.Deserialize<SuperPod>(json),
            SuperPodMigration => KubernetesJson.Deserialize<SuperPodMigration>(json),
            MigrationPolicy => KubernetesJson.Deserialize<MigrationPolicy>(json),
            StubResource => KubernetesJson.Deserialize<StubResource>(json),
            SuperCluster => KubernetesJson.Deserialize<SuperCluster>(json),
            SuperNode => KubernetesJson.Deserialize<SuperNode>(json),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no sample"),
        };
        var again = KubernetesJson.Serialize(back);

        again.Should().Be(json);
        back.Should().BeEquivalentTo(original, o => o.RespectingRuntimeTypes());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_fully_populated_object_is_valid_against_its_generated_schema(string kind)
    {
        // Ties the C# types to the YAML: a renamed property or enum value the schema does not know fails here.
        var manifest = JsonNode.Parse(KubernetesJson.Serialize(Sample(kind)))!.AsObject();

        ManifestValidator.Validate(manifest).Should().BeEmpty();
    }

    [Fact]
    public void Enums_serialize_as_their_API_strings()
    {
        var json = KubernetesJson.Serialize(SampleObjects.SuperCluster());

        json.Should().Contain("\"provider\":\"aws\"");
        KubernetesJson.Serialize(SampleObjects.StubResource()).Should().Contain("\"protocol\":\"UDP\"").And.Contain("\"access\":\"MoveToResource\"");
        KubernetesJson.Serialize(SampleObjects.SuperNode()).Should().Contain("\"hypervisor\":\"qemu\"").And.Contain("\"accelerator\":\"kvm\"");
    }

    [Fact]
    public void Root_objects_carry_their_apiVersion_and_kind()
    {
        var pod = new SuperPod { Spec = SampleObjects.SuperPod().Spec };

        pod.ApiVersion.Should().Be("supercloud.dev/v1alpha1");
        pod.Kind.Should().Be(SuperPod.KubeKind);
        new SuperNodeList().Kind.Should().Be("SuperNodeList");
    }

    [Fact]
    public void Quantities_accept_integers_and_strings()
    {
        const string json = """{"apiVersion":"supercloud.dev/v1alpha1","kind":"SuperPod","metadata":{"name":"q"},"spec":{"resources":{"cpu":2,"memory":"512Mi"},"boot":{"image":"vm"}}}""";

        var pod = KubernetesJson.Deserialize<SuperPod>(json);

        pod.Spec.Resources.Cpu.ToString().Should().Be("2");
        pod.Spec.Resources.Memory.ToInt64().Should().Be(512L * 1024 * 1024);
    }

    [Fact]
    public void Deserializing_an_object_without_a_required_field_names_it()
    {
        const string json = """{"apiVersion":"supercloud.dev/v1alpha1","kind":"SuperPodMigration","metadata":{"name":"m"},"spec":{"reason":"Manual"}}""";

        var act = () => KubernetesJson.Deserialize<SuperPodMigration>(json);

        act.Should().Throw<System.Text.Json.JsonException>().WithMessage("*superPod*");
    }
}
