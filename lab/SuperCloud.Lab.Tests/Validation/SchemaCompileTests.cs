using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.Tests.Validation;

public sealed class SchemaCompileTests
{
    private const string Root = "spec.versions[0].schema.openAPIV3Schema";

    private static List<string> Problems(string schemaJson) =>
        CustomResourceSchema.Check(SchemaFixtures.Parse(schemaJson)).Select(e => e.Message).ToList();

    [Fact]
    public void Structural_schema_compiles()
    {
        CustomResourceSchema.Check(SchemaFixtures.SuperPod()).Should().BeEmpty();
    }

    [Fact]
    public void Property_without_type_is_not_structural()
    {
        Problems("""{"type": "object", "properties": {"spec": {"properties": {"a": {"type": "string"}}}}}""")
            .Should().Equal($"{Root}.properties[spec].type: Required value: must not be empty for specified object fields");
    }

    [Fact]
    public void Root_must_be_an_object()
    {
        Problems("""{"type": "string"}""").Should().Equal($"{Root}.type: Invalid value: \"string\": must be object at the root");
    }

    [Fact]
    public void Array_needs_items_and_unique_items_is_forbidden()
    {
        Problems("""{"type": "object", "properties": {"a": {"type": "array"}, "b": {"type": "array", "uniqueItems": true, "items": {"type": "string"}}}}""")
            .Should().Equal(
                $"{Root}.properties[a].items: Required value: must be specified",
                $"{Root}.properties[b].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic");
    }

    [Fact]
    public void Unknown_type_and_ref_are_rejected()
    {
        Problems("""{"type": "object", "properties": {"a": {"type": "float"}, "b": {"$ref": "#/x", "type": "string"}}}""")
            .Should().Equal(
                $"{Root}.properties[a].type: Unsupported value: \"float\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"",
                $"{Root}.properties[b].$ref: Forbidden: $ref is not supported");
    }

    [Fact]
    public void Properties_and_additional_properties_are_mutually_exclusive()
    {
        Problems("""{"type": "object", "properties": {"a": {"type": "object", "properties": {"x": {"type": "string"}}, "additionalProperties": {"type": "string"}}}}""")
            .Should().Equal($"{Root}.properties[a].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive");
    }

    [Fact]
    public void Map_list_needs_keys_that_are_item_properties()
    {
        Problems("""{"type": "object", "properties": {"a": {"type": "array", "x-kubernetes-list-type": "map", "items": {"type": "object", "properties": {"n": {"type": "string"}}}}}}""")
            .Should().Equal($"{Root}.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map");
        Problems("""{"type": "object", "properties": {"a": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["id"], "items": {"type": "object", "properties": {"n": {"type": "string"}}}}}}""")
            .Should().ContainSingle().Which.Should().Contain("entries must all be names of item properties");
    }

    [Fact]
    public void Int_or_string_must_not_have_a_type()
    {
        Problems("""{"type": "object", "properties": {"a": {"type": "string", "x-kubernetes-int-or-string": true}}}""")
            .Should().Equal($"{Root}.properties[a].type: Invalid value: \"string\": must be empty if x-kubernetes-int-or-string is true");
    }

    [Fact]
    public void Root_metadata_may_only_restrict_name_and_generate_name()
    {
        Problems("""{"type": "object", "properties": {"metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}}}""")
            .Should().Equal($"{Root}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified");
    }

    [Fact]
    public void Default_must_validate_against_its_schema()
    {
        Problems("""{"type": "object", "properties": {"a": {"type": "integer", "default": "ten"}}}""")
            .Should().Equal($"{Root}.properties[a].default: Invalid value: \"string\": . in body must be of type integer: \"string\"");
    }

    [Fact]
    public void Cel_rules_are_evaluated_on_defaults_when_the_schema_is_compiled()
    {
        Problems("""
        {"type": "object", "properties": {"spec": {"type": "object", "properties": {"worker": {"type": "object", "default": {},
          "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}},
          "x-kubernetes-validations": [{"rule": "self.min <= self.max"}]}}}}}
        """).Should().Equal($"{Root}.properties[spec].properties[worker].default: Invalid value: \"object\": no such key: min evaluating rule: self.min <= self.max");
    }

    [Fact]
    public void Compile_throws_invalid_status_listing_every_problem()
    {
        var act = () => CustomResourceSchema.Compile(SchemaFixtures.Parse("""{"type": "object", "properties": {"a": {}, "b": {}}}"""), "x.supercloud.dev", Root);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Message.Should().Be(
            $"CustomResourceDefinition.apiextensions.k8s.io \"x.supercloud.dev\" is invalid: [{Root}.properties[a].type: Required value: must not be empty for specified object fields, " +
            $"{Root}.properties[b].type: Required value: must not be empty for specified object fields]");
        ex.Causes.Select(c => c.Reason).Should().AllBe("FieldValueRequired");
    }
}
