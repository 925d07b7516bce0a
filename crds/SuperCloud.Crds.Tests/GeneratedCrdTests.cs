using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SuperCloud.Crds.Generator;
using SuperCloud.Crds.Tests.Validation;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Crds.Tests;

public sealed partial class GeneratedCrdTests
{
    private static readonly string[] KindNames = ["MigrationPolicy", "StubResource", "SuperCluster", "SuperNode", "SuperPod", "SuperPodMigration"];

    [Fact]
    public void Checked_in_crds_match_what_the_generator_writes_now()
    {
        var generated = CrdGenerator.Generate();
        var checkedIn = Directory.EnumerateFiles(RepoPaths.Generated, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal);

        checkedIn.Should().Equal(generated.Select(g => g.FileName), "crds/generated must hold exactly the generated files; run make manifests");
        foreach (var crd in generated)
        {
            File.ReadAllText(Path.Combine(RepoPaths.Generated, crd.FileName)).Should()
                .Be(crd.Yaml, $"{crd.FileName} is stale; run {CrdGenerator.Command}");
        }
    }

    [Fact]
    public void Generation_is_deterministic()
    {
        CrdGenerator.Generate().Should().Equal(CrdGenerator.Generate());
    }

    [Fact]
    public void Every_kind_has_a_crd_with_short_name_category_and_status_subresource()
    {
        CrdCatalog.All.Keys.Order(StringComparer.Ordinal).Should().Equal(KindNames);
        foreach (var (kind, crd) in CrdCatalog.All)
        {
            var names = crd["spec"]!["names"]!;
            names["categories"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal(["supercloud"], kind);
            names["shortNames"]!.AsArray().Should().ContainSingle(kind);
            names["listKind"]!.GetValue<string>().Should().Be(kind + "List");
            var version = crd["spec"]!["versions"]![0]!;
            version["name"]!.GetValue<string>().Should().Be("v1alpha1");
            version["subresources"]!["status"].Should().BeOfType<JsonObject>(kind);
            crd["metadata"]!["name"]!.GetValue<string>().Should().Be($"{names["plural"]}.supercloud.dev");
        }
    }

    [Theory]
    [InlineData("SuperPod", "Namespaced", "sp")]
    [InlineData("SuperPodMigration", "Namespaced", "spm")]
    [InlineData("StubResource", "Namespaced", "stub")]
    [InlineData("MigrationPolicy", "Cluster", "mp")]
    [InlineData("SuperCluster", "Cluster", "scl")]
    [InlineData("SuperNode", "Cluster", "sn")]
    public void Kinds_have_the_designed_scope_and_short_name(string kind, string scope, string shortName)
    {
        var spec = CrdCatalog.All[kind]["spec"]!;

        spec["scope"]!.GetValue<string>().Should().Be(scope);
        spec["names"]!["shortNames"]![0]!.GetValue<string>().Should().Be(shortName);
    }

    [Fact]
    public void Kubectl_get_superpods_shows_phase_node_cloud_ip_and_age()
    {
        var columns = CrdCatalog.All["SuperPod"]["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray()
            .Where(c => c!["priority"] is null)
            .Select(c => $"{c!["name"]}={c["jsonPath"]}");

        columns.Should().Equal("Phase=.status.phase", "Node=.status.node", "Cloud=.status.cloud", "IP=.status.ip", "Age=.metadata.creationTimestamp");
    }

    [Fact]
    public void Every_status_has_observedGeneration_and_conditions_keyed_by_type()
    {
        foreach (var kind in KindNames)
        {
            var status = CrdCatalog.SchemaOf(kind)["properties"]!["status"]!["properties"]!;
            status["observedGeneration"]!["type"]!.GetValue<string>().Should().Be("integer", kind);
            var conditions = status["conditions"]!;
            conditions["x-kubernetes-list-type"]!.GetValue<string>().Should().Be("map", kind);
            conditions["x-kubernetes-list-map-keys"]![0]!.GetValue<string>().Should().Be("type", kind);
            conditions["items"]!["required"]!.AsArray().Select(n => n!.GetValue<string>())
                .Should().BeEquivalentTo(["type", "status", "reason", "message", "lastTransitionTime"], kind);
        }
    }

    [Fact]
    public void Every_field_has_a_description_for_kubectl_explain()
    {
        var undocumented = new List<string>();
        foreach (var kind in KindNames)
        {
            var root = CrdCatalog.SchemaOf(kind);
            foreach (var (name, child) in root["properties"]!.AsObject().Where(p => p.Key is "spec" or "status"))
            {
                CollectUndocumented(child!.AsObject(), $"{kind}.{name}", undocumented);
            }
        }

        undocumented.Should().BeEmpty();
    }

    [Fact]
    public void Quantities_are_int_or_string_with_a_non_negative_pattern()
    {
        var memory = CrdCatalog.SchemaOf("SuperPod")["properties"]!["spec"]!["properties"]!["resources"]!["properties"]!["memory"]!;

        memory["x-kubernetes-int-or-string"]!.GetValue<bool>().Should().BeTrue();
        memory["pattern"]!.GetValue<string>().Should().StartWith(@"^\+?");
        memory["anyOf"]!.AsArray().Select(a => a!["type"]!.GetValue<string>()).Should().Equal("integer", "string");
    }

    [Fact]
    public void Every_schema_is_structural_and_every_cel_rule_compiles_in_the_lab_api_server()
    {
        CrdCatalog.All.Values.SelectMany(crd => Rules(crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject()))
            .Should().HaveCountGreaterThan(15);
        foreach (var (kind, _) in CrdCatalog.All)
        {
            CustomResourceSchema.Check(CrdCatalog.SchemaOf(kind)).Select(e => e.Message).Should().BeEmpty(kind);
        }
    }

    [Fact]
    public void Every_collection_or_string_a_cel_rule_iterates_is_bounded()
    {
        // kube-apiserver rejects a CRD whose rules' estimated cost exceeds the budget; the estimate of a rule that
        // iterates an unbounded list, map or string is taken from the largest request body, which always exceeds it.
        var unbounded = new List<string>();
        foreach (var (kind, _) in CrdCatalog.All)
        {
            CollectUnboundedIterations(CrdCatalog.SchemaOf(kind), kind, unbounded);
        }

        unbounded.Should().BeEmpty();
    }

    [Fact]
    public void The_boundedness_check_flags_an_unbounded_list_a_rule_iterates()
    {
        var schema = JsonNode.Parse("""
            {"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "string"}}},
             "x-kubernetes-validations": [{"rule": "self.xs.all(x, x != 'a')", "message": "m"}]}
            """)!.AsObject();
        var unbounded = new List<string>();

        CollectUnboundedIterations(schema, "T", unbounded);

        unbounded.Should().Equal("T: rule \"self.xs.all(x, x != 'a')\" iterates .xs, which has no maxItems");
    }

    [Fact]
    public void The_boundedness_check_flags_a_regex_over_unbounded_map_values()
    {
        var schema = JsonNode.Parse("""
            {"type": "object", "properties": {"m": {"type": "object", "maxProperties": 4, "additionalProperties": {"type": "string"},
             "x-kubernetes-validations": [{"rule": "self.all(k, self[k].matches('^a$'))", "message": "m"}]}}}
            """)!.AsObject();
        var unbounded = new List<string>();

        CollectUnboundedIterations(schema, "T", unbounded);

        unbounded.Should().Equal("T.m: rule \"self.all(k, self[k].matches('^a$'))\" iterates .[], which has no maxLength");
    }

    [Fact]
    public void Files_say_they_are_generated_and_how_to_regenerate_them()
    {
        foreach (var crd in CrdGenerator.Generate())
        {
            crd.Yaml.Should().StartWith("# Generated").And.Contain("make manifests");
        }
    }

    private static IEnumerable<string> Rules(JsonObject schema)
    {
        foreach (var rule in (schema["x-kubernetes-validations"] as JsonArray) ?? [])
        {
            yield return rule!["rule"]!.GetValue<string>();
        }

        var children = ((schema["properties"] as JsonObject)?.Select(p => p.Value) ?? [])
            .Append(schema["items"]).Append(schema["additionalProperties"] as JsonObject);
        foreach (var child in children.OfType<JsonObject>())
        {
            foreach (var rule in Rules(child))
            {
                yield return rule;
            }
        }
    }

    private static void CollectUnboundedIterations(JsonObject schema, string path, List<string> unbounded)
    {
        foreach (var rule in ((schema["x-kubernetes-validations"] as JsonArray) ?? []).Select(r => r!["rule"]!.GetValue<string>()))
        {
            foreach (Match iteration in IteratedPaths().Matches(rule))
            {
                // self[k].matches(...) checks a value of a map: its bound is the maxLength of additionalProperties.
                var field = iteration.Groups["path"].Value is var p && p.EndsWith(']') ? p[..p.IndexOf('[', StringComparison.Ordinal)] + ".[]" : p;
                var target = field.Split('.', StringSplitOptions.RemoveEmptyEntries)
                    .Aggregate((JsonNode?)schema, (node, name) => name == "[]" ? node?["additionalProperties"] : node?["properties"]?[name]) as JsonObject;
                var missing = target switch
                {
                    null => "no schema",
                    _ when iteration.Groups["op"].Value == "matches" => target["maxLength"] is null ? "no maxLength" : null,
                    { } t when t["type"]?.GetValue<string>() == "array" => t["maxItems"] is null ? "no maxItems" : null,
                    { } t when t["additionalProperties"] is not null => t["maxProperties"] is null ? "no maxProperties" : null,
                    { } t when t["type"]?.GetValue<string>() == "string" => t["maxLength"] is null ? "no maxLength" : null,
                    _ => null,
                };
                if (missing is not null)
                {
                    unbounded.Add($"{path}: rule \"{rule}\" iterates {(field.Length == 0 ? "self" : field)}, which has {missing}");
                }
            }
        }

        foreach (var (name, child) in (schema["properties"] as JsonObject) ?? [])
        {
            CollectUnboundedIterations(child!.AsObject(), $"{path}.{name}", unbounded);
        }

        if (schema["items"] is JsonObject items)
        {
            CollectUnboundedIterations(items, $"{path}[]", unbounded);
        }

        if (schema["additionalProperties"] is JsonObject values)
        {
            CollectUnboundedIterations(values, $"{path}{{}}", unbounded);
        }
    }

    // self (or a field path under it) followed by a macro that iterates it, an "in" membership test, or a regex match.
    [GeneratedRegex(@"(?:\bin\s+self(?<path>(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?<op>)|\bself(?<path>(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:\[[a-z]+\](?=\.matches))?)\.(?<op>all|exists|exists_one|map|filter|matches)\()")]
    private static partial Regex IteratedPaths();

    private static void CollectUndocumented(JsonObject schema, string path, List<string> undocumented)
    {
        if (schema["description"] is null || schema["description"]!.GetValue<string>().Length < 5)
        {
            undocumented.Add(path);
        }

        foreach (var (name, child) in (schema["properties"] as JsonObject) ?? [])
        {
            CollectUndocumented(child!.AsObject(), $"{path}.{name}", undocumented);
        }

        // Items of lists of objects describe their type; lists and maps of scalars need no description per item.
        if (schema["items"] is JsonObject { } items && items["properties"] is not null)
        {
            CollectUndocumented(items, $"{path}[]", undocumented);
        }
    }
}
