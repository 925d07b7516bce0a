using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.Tests.Validation;

public sealed class DefaultingAndPruningTests
{
    private static readonly CustomResourceSchema Schema = CustomResourceSchema.Compile(SchemaFixtures.SuperPod());

    [Fact]
    public void Defaults_fill_absent_fields_under_present_objects_recursively()
    {
        var obj = SchemaFixtures.Object("""{"resources": {"cpu": 1}, "networks": [{"name": "a"}, {"name": "b", "mtu": 9000}]}""");
        Schema.ApplyDefaults(obj);
        obj["spec"]!["runStrategy"]!.GetValue<string>().Should().Be("Always");
        // placement defaults to {} and then its own spot default applies inside it.
        obj["spec"]!["placement"]!.ToJsonString().Should().Be("""{"spot":"Allowed"}""");
        obj["spec"]!["networks"]![0]!["mtu"]!.GetValue<int>().Should().Be(1500);
        obj["spec"]!["networks"]![1]!["mtu"]!.GetValue<int>().Should().Be(9000);
    }

    [Fact]
    public void Defaults_do_not_create_absent_parents()
    {
        var obj = SchemaFixtures.Parse("""{"apiVersion": "supercloud.dev/v1alpha1", "kind": "SuperPod", "metadata": {"name": "x"}}""");
        Schema.ApplyDefaults(obj);
        obj.ContainsKey("spec").Should().BeFalse();
    }

    [Fact]
    public void Explicit_values_are_kept_and_null_of_non_nullable_field_gets_default()
    {
        var obj = SchemaFixtures.Object("""{"resources": {"cpu": 1}, "runStrategy": "Manual", "placement": {"spot": null, "maxPrice": null}}""");
        Schema.ApplyDefaults(obj);
        obj["spec"]!["runStrategy"]!.GetValue<string>().Should().Be("Manual");
        obj["spec"]!["placement"]!["spot"]!.GetValue<string>().Should().Be("Allowed");
        obj["spec"]!["placement"]!.AsObject().ContainsKey("maxPrice").Should().BeTrue("nullable fields keep null");
    }

    [Fact]
    public void Null_of_non_nullable_field_without_default_is_dropped()
    {
        var obj = SchemaFixtures.Object("""{"resources": {"cpu": 1}, "hostname": null}""");
        Schema.ApplyDefaults(obj);
        obj["spec"]!.AsObject().ContainsKey("hostname").Should().BeFalse();
        Schema.Validate(obj, null).Should().BeEmpty();
    }

    [Fact]
    public void Prune_removes_unknown_fields_and_reports_their_paths()
    {
        var obj = SchemaFixtures.Object("""{"resources": {"cpu": 1, "gpu": 2}, "foo": "bar", "networks": [{"name": "a", "vlan": 3}]}""");
        obj["status"] = new JsonObject { ["phase"] = "Running", ["bogus"] = true };
        obj["toplevel"] = 1;
        var pruned = Schema.Prune(obj);
        pruned.Should().BeEquivalentTo(".spec.resources.gpu", ".spec.foo", ".spec.networks[0].vlan", ".status.bogus", ".toplevel");
        obj["spec"]!.AsObject().ContainsKey("foo").Should().BeFalse();
        obj["spec"]!["resources"]!.AsObject().ContainsKey("gpu").Should().BeFalse();
        obj["status"]!["phase"]!.GetValue<string>().Should().Be("Running");
    }

    [Fact]
    public void Prune_keeps_root_apiVersion_kind_and_object_meta_fields_only()
    {
        var obj = SchemaFixtures.Object("""{"resources": {"cpu": 1}}""");
        obj["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        obj["metadata"]!["madeUp"] = "x";
        var pruned = Schema.Prune(obj);
        pruned.Should().Equal(".metadata.madeUp");
        obj["apiVersion"]!.GetValue<string>().Should().Be("supercloud.dev/v1alpha1");
        obj["metadata"]!["labels"]!["a"]!.GetValue<string>().Should().Be("b");
    }

    [Fact]
    public void Preserve_unknown_fields_keeps_unknown_but_prunes_inside_known()
    {
        var obj = SchemaFixtures.Object("""{"resources": {"cpu": 1}, "extra": {"known": "k", "anything": {"deep": [1, 2]}}}""");
        Schema.Prune(obj).Should().BeEmpty();
        obj["spec"]!["extra"]!["anything"]!["deep"]![1]!.GetValue<int>().Should().Be(2);
    }

    [Fact]
    public void Embedded_resource_keeps_apiVersion_kind_metadata_and_prunes_the_rest()
    {
        var obj = SchemaFixtures.Object("""
        {"resources": {"cpu": 1}, "template": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "junk": 1}, "spec": {"image": "i", "bad": 2}, "other": 3}}
        """);
        var pruned = Schema.Prune(obj);
        pruned.Should().BeEquivalentTo(".spec.template.metadata.junk", ".spec.template.spec.bad", ".spec.template.other");
        obj["spec"]!["template"]!["kind"]!.GetValue<string>().Should().Be("Pod");
        obj["spec"]!["template"]!["metadata"]!["name"]!.GetValue<string>().Should().Be("p");
    }
}
