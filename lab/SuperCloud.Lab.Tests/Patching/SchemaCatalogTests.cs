using SuperCloud.Lab.ApiServer.Patching;
using static SuperCloud.Lab.Tests.Patching.JsonAssert;

namespace SuperCloud.Lab.Tests.Patching;

public sealed class SchemaCatalogTests
{
    private const string GadgetSchema = """
        {"type":"object","properties":{"spec":{"type":"object","properties":{
          "ports":{"type":"array","x-kubernetes-list-type":"map","x-kubernetes-list-map-keys":["name"],
                   "items":{"type":"object","properties":{"name":{"type":"string"},"port":{"type":"integer"}}}}}}}}
        """;

    [Fact]
    public void Merge_schema_of_a_custom_resource_is_built_once_per_schema_instance()
    {
        var schema = Obj(GadgetSchema);

        var first = SchemaCatalog.For("Gadget", schema);

        SchemaCatalog.For("Gadget", schema).Should().BeSameAs(first, "every write of a custom resource asks for its merge schema");
        first.Properties["spec"].Properties["ports"].ListKind.Should().Be(ListKind.Map);
    }

    [Fact]
    public void Changed_crd_schema_gets_its_own_merge_schema()
    {
        var before = Obj(GadgetSchema);
        var after = Obj(GadgetSchema.Replace("\"x-kubernetes-list-type\":\"map\"", "\"x-kubernetes-list-type\":\"atomic\"", StringComparison.Ordinal));

        var old = SchemaCatalog.For("Gadget", before);
        var changed = SchemaCatalog.For("Gadget", after);

        changed.Should().NotBeSameAs(old);
        changed.Properties["spec"].Properties["ports"].ListKind.Should().Be(ListKind.Atomic);
        old.Properties["spec"].Properties["ports"].ListKind.Should().Be(ListKind.Map);
    }
}
