using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.Tests.Validation;

public sealed class CelRuleTests
{
    private const string Props = """
    {
      "replicas": {"type": "integer"},
      "minReplicas": {"type": "integer"},
      "name": {"type": "string"},
      "ratio": {"type": "number"},
      "memory": {"x-kubernetes-int-or-string": true},
      "tags": {"type": "array", "items": {"type": "string"}},
      "labels": {"type": "object", "additionalProperties": {"type": "string"}},
      "mode": {"type": "string"},
      "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
        "items": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "port": {"type": "integer"}},
          "x-kubernetes-validations": [{"rule": "self.port > 0", "message": "port must be positive"}]}},
      "when": {"type": "string", "format": "date-time"}
    }
    """;

    private static List<string> Run(string rulesJson, string specJson, string? oldSpecJson = null)
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.WithSpec(Props, rulesJson));
        var old = oldSpecJson is null ? null : SchemaFixtures.Object(oldSpecJson);
        return schema.Validate(SchemaFixtures.Object(specJson), old).Select(e => e.Message).ToList();
    }

    [Fact]
    public void Passing_rule_gives_no_error()
    {
        Run("""[{"rule": "self.minReplicas <= self.replicas"}]""", """{"replicas": 3, "minReplicas": 1}""").Should().BeEmpty();
    }

    [Fact]
    public void Failing_rule_without_message_reports_failed_rule()
    {
        Run("""[{"rule": "self.minReplicas <= self.replicas"}]""", """{"replicas": 1, "minReplicas": 3}""")
            .Should().Equal("spec: Invalid value: \"object\": failed rule: self.minReplicas <= self.replicas");
    }

    [Fact]
    public void Failing_rule_uses_message()
    {
        Run("""[{"rule": "self.minReplicas <= self.replicas", "message": "minReplicas must not exceed replicas"}]""", """{"replicas": 1, "minReplicas": 3}""")
            .Should().Equal("spec: Invalid value: \"object\": minReplicas must not exceed replicas");
    }

    [Fact]
    public void Message_expression_is_evaluated_with_self()
    {
        Run("""[{"rule": "self.minReplicas <= self.replicas", "message": "static", "messageExpression": "'minReplicas ' + string(self.minReplicas) + ' exceeds replicas ' + string(self.replicas)"}]""",
                """{"replicas": 1, "minReplicas": 3}""")
            .Should().Equal("spec: Invalid value: \"object\": minReplicas 3 exceeds replicas 1");
    }

    [Fact]
    public void Failing_message_expression_falls_back_to_message()
    {
        Run("""[{"rule": "self.replicas > 5", "message": "static", "messageExpression": "self.mode + ' is wrong'"}]""", """{"replicas": 1}""")
            .Should().Equal("spec: Invalid value: \"object\": static");
    }

    [Fact]
    public void Field_path_and_reason_shape_the_error()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.WithSpec(Props,
            """[{"rule": "self.replicas >= 1", "message": "replicas too small", "fieldPath": ".replicas", "reason": "FieldValueForbidden"}]"""));
        var errors = schema.Validate(SchemaFixtures.Object("""{"replicas": 0}"""), null);
        errors.Should().ContainSingle();
        errors[0].Message.Should().Be("spec.replicas: Forbidden: replicas too small");
        errors[0].Reason.Should().Be("FieldValueForbidden");
        errors[0].Field.Should().Be("spec.replicas");
    }

    [Fact]
    public void Has_macro_works_for_absent_fields()
    {
        const string rules = """[{"rule": "!has(self.mode) || self.mode == 'fast'", "message": "bad mode"}]""";
        Run(rules, """{"replicas": 1}""").Should().BeEmpty();
        Run(rules, """{"mode": "slow"}""").Should().Equal("spec: Invalid value: \"object\": bad mode");
    }

    [Fact]
    public void Accessing_absent_field_is_an_evaluation_error_naming_the_key()
    {
        Run("""[{"rule": "self.mode == 'fast'"}]""", """{"replicas": 1}""")
            .Should().Equal("spec: Invalid value: \"object\": no such key: mode evaluating rule: self.mode == 'fast'");
    }

    [Fact]
    public void Evaluation_error_names_the_rule_by_its_message_when_it_has_one()
    {
        Run("""[{"rule": "self.mode == 'fast'", "message": "mode must be fast"}]""", """{"replicas": 1}""")
            .Should().Equal("spec: Invalid value: \"object\": no such key: mode evaluating rule: mode must be fast");
    }

    [Theory]
    [InlineData("size(self.tags) <= 3", true)]
    [InlineData("size(self.tags) < 3", false)]
    [InlineData("self.tags.size() == 3", true)]
    [InlineData("self.tags.exists(t, t == 'b')", true)]
    [InlineData("self.tags.all(t, t.startsWith('x'))", false)]
    [InlineData("self.tags.exists_one(t, t.endsWith('c'))", true)]
    [InlineData("'a' in self.tags", true)]
    [InlineData("self.tags.map(t, t + '!').size() == 3", true)]
    [InlineData("self.tags.filter(t, t != 'a').size() == 2", true)]
    [InlineData("'team' in self.labels && self.labels['team'] == 'core'", true)]
    [InlineData("self.labels.all(k, k.matches('^[a-z]+$'))", true)]
    [InlineData("self.name.contains('eb') && self.name.lowerAscii() == 'web-1'", true)]
    [InlineData("self.name.upperAscii() == 'WEB-1' && self.name.indexOf('-') == 3", true)]
    [InlineData("self.name.split('-').size() == 2 && self.name.substring(0, 3) == 'Web'", true)]
    [InlineData("self.name.replace('-', '_') == 'Web_1'", true)]
    [InlineData("self.tags.join(',') == 'a,b,c'", true)]
    [InlineData("self.ratio > 0.25 && self.ratio < 1.0", true)]
    [InlineData("self.replicas + 1 == 4", true)]
    [InlineData("self.replicas > 5 ? false : true", true)]
    [InlineData("self.when < timestamp('2030-01-01T00:00:00Z')", true)]
    [InlineData("[1, 2, 3].isSorted() && [1, 2, 3].sum() == 6", true)]
    public void Core_language_and_library_functions_evaluate(string rule, bool expected)
    {
        var errors = Run($$"""[{"rule": "{{rule}}"}]""",
            """{"replicas": 3, "name": "Web-1", "ratio": 0.5, "tags": ["a", "b", "c"], "labels": {"team": "core"}, "when": "2024-01-01T00:00:00Z"}""");
        (errors.Count == 0).Should().Be(expected, string.Join("; ", errors));
    }

    [Theory]
    [InlineData("quantity(self.memory).isLessThan(quantity('4Gi'))", "\"2Gi\"", true)]
    [InlineData("quantity(self.memory).isGreaterThan(quantity('4Gi'))", "\"2Gi\"", false)]
    [InlineData("quantity('500m').compareTo(quantity('0.5')) == 0", "\"1\"", true)]
    [InlineData("isQuantity(self.memory)", "\"1.5Mi\"", true)]
    [InlineData("isQuantity(self.memory)", "\"lots\"", false)]
    [InlineData("quantity('1Ki').asInteger() == 1024", "\"1\"", true)]
    [InlineData("quantity('1').add(quantity('500m')).isGreaterThan(quantity('1'))", "\"1\"", true)]
    [InlineData("type(self.memory) == int ? self.memory < 10 : quantity(self.memory).isLessThan(quantity('10'))", "2", true)]
    public void Quantity_library_compares_resource_quantities(string rule, string memory, bool expected)
    {
        var errors = Run($$"""[{"rule": "{{rule}}"}]""", $$$"""{"memory": {{{memory}}}}""");
        (errors.Count == 0).Should().Be(expected, string.Join("; ", errors));
    }

    [Fact]
    public void Transition_rule_is_skipped_on_create_and_enforced_on_update()
    {
        const string rules = """[{"rule": "self.name == oldSelf.name", "message": "name is immutable"}]""";
        Run(rules, """{"name": "a"}""").Should().BeEmpty();
        Run(rules, """{"name": "b", "replicas": 1}""", """{"name": "a"}""").Should().Equal("spec: Invalid value: \"object\": name is immutable");
        Run(rules, """{"name": "a", "replicas": 2}""", """{"name": "a", "replicas": 1}""").Should().BeEmpty();
    }

    [Fact]
    public void Transition_rule_on_a_field_runs_only_when_the_old_field_existed()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.Parse("""
        {"type": "object", "properties": {"spec": {"type": "object", "properties": {
          "replicas": {"type": "integer", "x-kubernetes-validations": [{"rule": "self >= oldSelf", "message": "replicas may not decrease"}]},
          "name": {"type": "string"}}}}}
        """));
        schema.Validate(SchemaFixtures.Object("""{"replicas": 1}"""), SchemaFixtures.Object("""{"name": "x"}""")).Should().BeEmpty();
        schema.Validate(SchemaFixtures.Object("""{"replicas": 1}"""), SchemaFixtures.Object("""{"replicas": 2}"""))
            .Select(e => e.Message).Should().Equal("spec.replicas: Invalid value: \"integer\": replicas may not decrease");
    }

    [Fact]
    public void Optional_old_self_rule_runs_on_create_with_an_absent_old_value()
    {
        var schema = CustomResourceSchema.Compile(SchemaFixtures.Parse("""
        {"type": "object", "properties": {"spec": {"type": "object", "properties": {
          "replicas": {"type": "integer", "x-kubernetes-validations": [
            {"rule": "oldSelf.hasValue() ? self >= oldSelf.value() : self <= 10", "optionalOldSelf": true, "message": "bad replicas"}]}}}}}
        """));
        schema.Validate(SchemaFixtures.Object("""{"replicas": 5}"""), null).Should().BeEmpty();
        schema.Validate(SchemaFixtures.Object("""{"replicas": 50}"""), null).Select(e => e.Message)
            .Should().Equal("spec.replicas: Invalid value: \"integer\": bad replicas");
        schema.Validate(SchemaFixtures.Object("""{"replicas": 4}"""), SchemaFixtures.Object("""{"replicas": 5}""")).Select(e => e.Message)
            .Should().Equal("spec.replicas: Invalid value: \"integer\": bad replicas");
        schema.Validate(SchemaFixtures.Object("""{"replicas": 50}"""), SchemaFixtures.Object("""{"replicas": 5}""")).Should().BeEmpty();
    }

    [Fact]
    public void Rules_on_list_items_report_the_item_path()
    {
        Run("[]", """{"ports": [{"name": "a", "port": 1}, {"name": "b", "port": 0}]}""")
            .Should().Equal("spec.ports[1]: Invalid value: \"object\": port must be positive");
    }

    [Fact]
    public void Unchanged_values_are_not_revalidated_by_rules()
    {
        Run("[]", """{"ports": [{"name": "b", "port": 0}], "replicas": 2}""", """{"ports": [{"name": "b", "port": 0}], "replicas": 1}""")
            .Should().BeEmpty();
    }

    [Fact]
    public void Type_error_blocks_rules_with_nil_notice()
    {
        Run("""[{"rule": "self.replicas > 100"}]""", """{"replicas": "many"}""").Should().Equal(
            "spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"",
            "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation");
    }

    [Fact]
    public void Rule_with_syntax_error_fails_compile_with_crd_path()
    {
        var act = () => CustomResourceSchema.Compile(SchemaFixtures.WithSpec(Props, """[{"rule": "self.replicas >"}]"""), "superpods.supercloud.dev", CustomResourceSchema.DefaultSchemaPath);
        var ex = act.Should().Throw<StatusException>().Which;
        ex.Code.Should().Be(422);
        ex.Reason.Should().Be("Invalid");
        ex.Message.Should().StartWith("CustomResourceDefinition.apiextensions.k8s.io \"superpods.supercloud.dev\" is invalid: " +
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: ");
        ex.Message.Should().Contain("compilation failed: ERROR: <input>:1:");
        ex.Causes.Should().ContainSingle().Which.Field.Should().Be("spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule");
    }

    [Theory]
    [InlineData("nosuchfunc(self)", "undeclared reference to 'nosuchfunc'")]
    [InlineData("self.name.frobnicate()", "undeclared reference to 'frobnicate'")]
    [InlineData("other.name == 'x'", "undeclared reference to 'other'")]
    [InlineData("self.replicaz > 1", "undefined field 'replicaz'")]
    [InlineData("has(self.ports[0].nosuch)", "undefined field 'nosuch'")]
    public void Rule_with_unknown_names_fails_compile(string rule, string expected)
    {
        CustomResourceSchema.Check(SchemaFixtures.WithSpec(Props, $$"""[{"rule": "{{rule}}"}]"""))
            .Should().ContainSingle().Which.Detail.Should().Contain(expected);
    }

    [Theory]
    [InlineData("self.labels.anyKey == 'x' || true")]
    [InlineData("self.ports.all(p, p.port > 0)")]
    [InlineData("has(self.metadata) || true")]
    public void Rules_reading_declared_or_dynamic_fields_compile(string rule)
    {
        CustomResourceSchema.Check(SchemaFixtures.WithSpec(Props, $$"""[{"rule": "{{rule}}"}]""")).Should().BeEmpty();
    }

    [Fact]
    public void Bad_reason_and_empty_rule_are_rejected()
    {
        var errors = CustomResourceSchema.Check(SchemaFixtures.WithSpec(Props, """[{"rule": " "}, {"rule": "true", "reason": "Nope"}]"""));
        errors.Select(e => e.Message).Should().Equal(
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Required value",
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].reason: Unsupported value: \"Nope\": supported values: \"FieldValueDuplicate\", \"FieldValueForbidden\", \"FieldValueInvalid\", \"FieldValueRequired\"");
    }
}
