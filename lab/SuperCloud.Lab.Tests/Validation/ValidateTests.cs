using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.Tests.Validation;

public sealed class ValidateTests
{
    private static readonly CustomResourceSchema Schema = CustomResourceSchema.Compile(SchemaFixtures.SuperPod());

    private static List<string> Messages(string specJson)
    {
        var obj = SchemaFixtures.Object(specJson);
        return Schema.Validate(obj, null).Select(e => e.Message).ToList();
    }

    [Fact]
    public void Valid_object_has_no_errors()
    {
        Messages("""{"resources": {"cpu": 2, "memory": "2Gi"}, "networks": [{"name": "a", "ip": "10.0.0.1"}], "startAfter": "2024-01-02T03:04:05Z"}""")
            .Should().BeEmpty();
    }

    [Fact]
    public void Missing_required_field_is_reported_as_required_value()
    {
        var errors = Schema.Validate(SchemaFixtures.Object("{}"), null);
        errors[0].Message.Should().Be("spec.resources: Required value");
        errors[0].Reason.Should().Be("FieldValueRequired");
        errors[0].Field.Should().Be("spec.resources");
    }

    [Fact]
    public void Required_error_blocks_cel_rules_with_kube_nil_notice()
    {
        Messages("{}").Should().Equal(
            "spec.resources: Required value",
            "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation");
    }

    [Fact]
    public void Schema_without_rules_reports_no_unchecked_rules_notice()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.WithSpec("""{"a": {"type": "string"}}""", extraSpecKeywords: "\"required\": [\"a\"],"));
        schema.Validate(SchemaFixtures.Object("{}"), null).Select(e => e.Message).Should().Equal("spec.a: Required value");
    }

    [Fact]
    public void Invalid_value_errors_do_not_block_cel_rules()
    {
        Messages("""{"resources": {"cpu": 0}, "hostname": "localhost"}""").Should().Equal(
            "spec.resources.cpu: Invalid value: 0: spec.resources.cpu in body should be greater than or equal to 1",
            "spec: Invalid value: \"object\": hostname must not be localhost");
    }

    [Fact]
    public void Enum_violation_lists_supported_values()
    {
        Messages("""{"resources": {"cpu": 1}, "placement": {"spot": "Sometimes"}}""")[0]
            .Should().Be("spec.placement.spot: Unsupported value: \"Sometimes\": supported values: \"Allowed\", \"Required\", \"Forbidden\"");
    }

    [Fact]
    public void Pattern_violation_quotes_value_and_pattern()
    {
        var errors = Schema.Validate(SchemaFixtures.Object("""{"resources": {"cpu": 1, "memory": "-1Gix"}}"""), null);
        errors.Should().ContainSingle();
        errors[0].Message.Should().Be($"spec.resources.memory: Invalid value: \"-1Gix\": spec.resources.memory in body should match '{SchemaFixtures.QuantityPattern}'");
        errors[0].Reason.Should().Be("FieldValueInvalid");
    }

    [Theory]
    [InlineData("\"1\"")]
    [InlineData("\"500m\"")]
    [InlineData("\"2Gi\"")]
    [InlineData("2")]
    [InlineData("\"1e3\"")]
    public void Int_or_string_quantity_accepts_numbers_and_quantity_strings(string memory)
    {
        Messages($$$"""{"resources": {"cpu": 1, "memory": {{{memory}}}}}""").Should().BeEmpty();
    }

    [Fact]
    public void Int_or_string_rejects_other_types()
    {
        Messages("""{"resources": {"cpu": 1, "memory": true}}""").Should().Contain(
            "spec.resources.memory: Invalid value: \"boolean\": spec.resources.memory in body must be of type integer,string: \"boolean\"");
    }

    [Fact]
    public void Minimum_and_maximum_report_bounds()
    {
        Messages("""{"resources": {"cpu": 0}}""").Should().Equal(
            "spec.resources.cpu: Invalid value: 0: spec.resources.cpu in body should be greater than or equal to 1");
        Messages("""{"resources": {"cpu": 65}}""").Should().Equal(
            "spec.resources.cpu: Invalid value: 65: spec.resources.cpu in body should be less than or equal to 64");
    }

    [Fact]
    public void Exclusive_minimum_excludes_the_bound()
    {
        Messages("""{"resources": {"cpu": 1}, "weight": 0}""").Should().Equal(
            "spec.weight: Invalid value: 0: spec.weight in body should be greater than 0");
        Messages("""{"resources": {"cpu": 1}, "weight": 0.5}""").Should().BeEmpty();
    }

    [Fact]
    public void Wrong_type_is_type_invalid_and_names_actual_type()
    {
        var errors = Schema.Validate(SchemaFixtures.Object("""{"resources": {"cpu": "two"}}"""), null);
        errors[0].Message.Should().Be("spec.resources.cpu: Invalid value: \"string\": spec.resources.cpu in body must be of type integer: \"string\"");
        errors[0].Reason.Should().Be("FieldValueTypeInvalid");
    }

    [Fact]
    public void Fractional_number_is_not_an_integer_but_integral_float_is()
    {
        Messages("""{"resources": {"cpu": 1.5}}""")[0].Should().Contain("must be of type integer: \"number\"");
        Messages("""{"resources": {"cpu": 2.0}}""").Should().BeEmpty();
    }

    [Fact]
    public void Int32_format_rejects_out_of_range_integers()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.WithSpec("""{"n": {"type": "integer", "format": "int32"}}"""));
        schema.Validate(SchemaFixtures.Object("""{"n": 3000000000}"""), null).Select(e => e.Message).Should().Contain(
            "spec.n: Invalid value: 3000000000: spec.n in body must be of type int32: \"3000000000\"");
    }

    [Fact]
    public void String_length_limits_use_kube_wording()
    {
        Messages("""{"resources": {"cpu": 1}, "hostname": "a"}""").Should().Equal(
            "spec.hostname: Invalid value: \"a\": spec.hostname in body should be at least 2 chars long");
        var tooLong = Schema.Validate(SchemaFixtures.Object("""{"resources": {"cpu": 1}, "hostname": "abcdefghijk"}"""), null);
        tooLong[0].Message.Should().Be("spec.hostname: Too long: may not be more than 10 bytes");
        tooLong[0].Reason.Should().Be("FieldValueTooLong");
    }

    [Fact]
    public void Date_time_format_is_checked()
    {
        Messages("""{"resources": {"cpu": 1}, "startAfter": "yesterday"}""")[0].Should().Be(
            "spec.startAfter: Invalid value: \"yesterday\": spec.startAfter in body must be of type date-time: \"yesterday\"");
    }

    [Theory]
    [InlineData("2026-11-25T18:33:31Z")]
    [InlineData("2026-11-25T18:33:31.685461Z")]
    [InlineData("2026-11-25T18:33:31.123456789Z")]
    [InlineData("2026-11-25T18:33:31.5+02:00")]
    public void Date_time_format_accepts_rfc3339_with_any_fraction(string value)
    {
        Messages($$"""{"resources": {"cpu": 1}, "startAfter": "{{value}}"}""").Should().BeEmpty();
    }

    [Fact]
    public void Ipv4_format_is_checked_in_list_items_with_index_paths()
    {
        Messages("""{"resources": {"cpu": 1}, "networks": [{"name": "a", "ip": "10.0.0.300"}]}""")[0].Should().Be(
            "spec.networks[0].ip: Invalid value: \"10.0.0.300\": spec.networks[0].ip in body must be of type ipv4: \"10.0.0.300\"");
    }

    [Fact]
    public void Max_items_is_too_many_and_min_items_is_invalid()
    {
        var errors = Schema.Validate(SchemaFixtures.Object("""{"resources": {"cpu": 1}, "tags": ["a", "b", "c", "d"], "networks": []}"""), null);
        errors.Select(e => e.Message).Should().Contain("spec.tags: Too many: 4: must have at most 3 items");
        errors.Select(e => e.Message).Should().Contain("spec.networks: Invalid value: []interface {}{}: spec.networks in body should have at least 1 items");
        errors.Single(e => e.Field == "spec.tags").Reason.Should().Be("FieldValueTooMany");
    }

    [Fact]
    public void Set_list_rejects_duplicates()
    {
        var errors = Schema.Validate(SchemaFixtures.Object("""{"resources": {"cpu": 1}, "tags": ["a", "b", "a"]}"""), null);
        errors.Should().ContainSingle().Which.Message.Should().Be("spec.tags[2]: Duplicate value: \"a\"");
        errors[0].Reason.Should().Be("FieldValueDuplicate");
    }

    [Fact]
    public void List_type_duplicates_are_reported_after_schema_errors()
    {
        Messages("""{"resources": {"cpu": 1}, "tags": ["a", "a"], "hostname": "x"}""").Should().Equal(
            "spec.hostname: Invalid value: \"x\": spec.hostname in body should be at least 2 chars long",
            "spec.tags[1]: Duplicate value: \"a\"");
    }

    [Fact]
    public void Map_list_rejects_duplicate_keys()
    {
        Messages("""{"resources": {"cpu": 1}, "networks": [{"name": "a"}, {"name": "b"}, {"name": "a", "ip": "10.0.0.1"}]}""")
            .Should().Equal("spec.networks[2]: Duplicate value: map[string]interface {}{\"name\":\"a\"}");
    }

    [Fact]
    public void Additional_properties_values_are_validated()
    {
        Messages("""{"resources": {"cpu": 1}, "labels": {"ok": "abc", "bad": "abcdef"}}""")[0]
            .Should().Be("spec.labels.bad: Too long: may not be more than 5 bytes");
    }

    [Fact]
    public void Null_for_nullable_field_is_accepted_and_for_other_fields_rejected()
    {
        Messages("""{"resources": {"cpu": 1}, "placement": {"maxPrice": null}}""").Should().BeEmpty();
        Messages("""{"resources": {"cpu": 1}, "hostname": null}""")[0].Should().Be(
            "spec.hostname: Invalid value: \"null\": spec.hostname in body must be of type string: \"null\"");
    }

    [Fact]
    public void Embedded_resource_requires_apiVersion_and_kind()
    {
        Messages("""{"resources": {"cpu": 1}, "template": {"spec": {"image": "x"}}}""").Should().Contain(
            ["spec.template.apiVersion: Required value: must not be empty", "spec.template.kind: Required value: must not be empty"]);
    }

    [Fact]
    public void Update_ignores_errors_on_unchanged_fields_ratcheting()
    {
        var old = SchemaFixtures.Object("""{"resources": {"cpu": 1}, "hostname": "BAD"}""");
        var updated = SchemaFixtures.Object("""{"resources": {"cpu": 2}, "hostname": "BAD"}""");
        Schema.Validate(updated, old).Should().BeEmpty();
        Schema.Validate(updated, null).Should().ContainSingle();
    }

    [Fact]
    public void Status_exception_matches_kube_invalid_message()
    {
        var errors = Schema.Validate(SchemaFixtures.Object("""{"resources": {"cpu": 0}, "placement": {"spot": "x"}}"""), null);
        var ex = ValidationErrors.ToStatusException("SuperPod", "supercloud.dev", "web-1", errors);
        ex.Code.Should().Be(422);
        ex.Reason.Should().Be("Invalid");
        ex.Message.Should().Be(
            "SuperPod.supercloud.dev \"web-1\" is invalid: [spec.resources.cpu: Invalid value: 0: spec.resources.cpu in body should be greater than or equal to 1, " +
            "spec.placement.spot: Unsupported value: \"x\": supported values: \"Allowed\", \"Required\", \"Forbidden\", " +
            "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation]");
        ex.Causes[0].Should().Be(new SuperCloud.Lab.ApiServer.StatusCause(
            "FieldValueInvalid", "Invalid value: 0: spec.resources.cpu in body should be greater than or equal to 1", "spec.resources.cpu"));
    }

    [Fact]
    public void Single_error_status_message_has_no_brackets()
    {
        var ex = ValidationErrors.ToStatusException("SuperPod", "supercloud.dev", "web-1", [FieldError.Required("spec.superPod")]);
        ex.Message.Should().Be("SuperPod.supercloud.dev \"web-1\" is invalid: spec.superPod: Required value");
        ex.Causes.Should().ContainSingle().Which.Should().Be(new SuperCloud.Lab.ApiServer.StatusCause("FieldValueRequired", "Required value", "spec.superPod"));
    }

    [Fact]
    public void Core_group_kind_is_not_qualified()
    {
        ValidationErrors.ToStatusException("ConfigMap", "", "c", [FieldError.Required("data")]).Message
            .Should().Be("ConfigMap \"c\" is invalid: data: Required value");
    }

    [Fact]
    public void Field_error_messages_format_values_like_go()
    {
        FieldError.Invalid("spec.x", JsonValue.Create("a\"b\n"), "bad").Message.Should().Be("spec.x: Invalid value: \"a\\\"b\\n\": bad");
        FieldError.Invalid("spec.x", JsonValue.Create(true), "bad").Message.Should().Be("spec.x: Invalid value: true: bad");
        FieldError.Forbidden("spec.x", "no").Message.Should().Be("spec.x: Forbidden: no");
        FieldError.NotSupported("spec.x", JsonValue.Create(3), ["1", "2"]).Message.Should().Be("spec.x: Unsupported value: 3: supported values: \"1\", \"2\"");
        FieldError.Invalid("spec.x", JsonNode.Parse("""{"b": [1, "two", null], "a": {"c": 1.5}}"""), "bad").Message
            .Should().Be("spec.x: Invalid value: map[string]interface {}{\"a\":map[string]interface {}{\"c\":1.5}, \"b\":[]interface {}{1, \"two\", interface {}(nil)}}: bad");
    }

    // The cases below mirror apiextensions-apiserver's own TestValidateCustomResource expectations.
    [Theory]
    [InlineData("null", "field: Invalid value: \"null\": field in body must be of type integer,string: \"null\"")]
    [InlineData("true", "field: Invalid value: \"boolean\": field in body must be of type integer,string: \"boolean\"")]
    [InlineData("1.2", "field: Invalid value: \"number\": field in body must be of type integer,string: \"number\"")]
    [InlineData("{}", "field: Invalid value: \"object\": field in body must be of type integer,string: \"object\"")]
    public void Int_or_string_rejects_other_kinds_like_kube(string value, string expected)
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.Parse("""{"type": "object", "properties": {"field": {"x-kubernetes-int-or-string": true}}}"""));
        schema.Validate(SchemaFixtures.Parse($$"""{"field": {{value}}}"""), null).Select(e => e.Message).Should().Equal(expected);
    }

    [Fact]
    public void Wrong_type_still_reports_enum_violation_like_kube()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.Parse("""
        {"type": "object", "properties": {"field": {"type": "object", "required": ["nestedint", "nestedstring"], "properties": {
          "nestedint": {"type": "integer", "enum": [1, 2]}, "nestedstring": {"type": "string", "enum": ["a", "b"]}}}}}
        """));
        schema.Validate(SchemaFixtures.Parse("""{"field": {"nestedint": "x", "nestedstring": true}}"""), null).Select(e => e.Message).Should().BeEquivalentTo(
            "field.nestedint: Invalid value: \"string\": field.nestedint in body must be of type integer: \"string\"",
            "field.nestedint: Unsupported value: \"x\": supported values: \"1\", \"2\"",
            "field.nestedstring: Invalid value: \"boolean\": field.nestedstring in body must be of type string: \"boolean\"",
            "field.nestedstring: Unsupported value: true: supported values: \"a\", \"b\"");
    }

    [Fact]
    public void Any_of_failure_is_reported_without_field_like_kube()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.Parse("""
        {"type": "object", "properties": {"field": {"nullable": true, "x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]}}}
        """));
        schema.Validate(SchemaFixtures.Parse("""{"field": null}"""), null).Should().BeEmpty();
        schema.Validate(SchemaFixtures.Parse("""{"field": true}"""), null).Select(e => e.Message).Should().BeEquivalentTo(
            "<nil>: Invalid value: \"\": \"field\" must validate at least one schema (anyOf)",
            "field: Invalid value: \"boolean\": field in body must be of type integer,string: \"boolean\"",
            "field: Invalid value: \"boolean\": field in body must be of type integer: \"boolean\"");
    }

    [Fact]
    public void Composition_keywords_are_enforced()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.WithSpec(
            """{"a": {"type": "string"}, "b": {"type": "string"}}""",
            extraSpecKeywords: "\"oneOf\": [{\"required\": [\"a\"]}, {\"required\": [\"b\"]}],"));
        schema.Validate(SchemaFixtures.Object("""{"a": "x"}"""), null).Should().BeEmpty();
        schema.Validate(SchemaFixtures.Object("""{"a": "x", "b": "y"}"""), null).Select(e => e.Message)
            .Should().Equal("<nil>: Invalid value: \"\": \"spec\" must validate one and only one schema (oneOf). Found 2 valid alternatives");
    }
}
