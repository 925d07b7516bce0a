using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.OpenApi;

namespace SuperCloud.Lab.Tests.OpenApi;

public sealed class OpenApiTests
{
    private static JsonObject SuperPodSchema(string specDescription = "Desired state of the SuperPod.") => JsonNode.Parse("""
    {
      "type": "object",
      "description": "A nested VM managed by SuperCloud.",
      "properties": {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {
          "type": "object",
          "description": "SPEC_DESCRIPTION",
          "properties": {
            "resources": {"type": "object", "description": "CPU and memory.", "properties": {"cpu": {"type": "integer", "description": "Virtual CPUs."}}},
            "maxPrice": {"type": "string", "nullable": true},
            "template": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {"metadata": {"type": "object"}}},
            "memory": {"anyOf": [{"type": "integer"}, {"type": "string"}], "x-kubernetes-int-or-string": true}
          },
          "x-kubernetes-validations": [{"rule": "true"}]
        }
      }
    }
    """.Replace("SPEC_DESCRIPTION", specDescription, StringComparison.Ordinal))!.AsObject();

    private static ApiResource SuperPod(JsonObject? schema = null) => new(
        "supercloud.dev", "v1alpha1", "SuperPod", "SuperPodList", "superpods", "superpod", true, ["sp"], ["all"],
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], true, schema ?? SuperPodSchema(), []);

    private static ApiResource SuperNode() => new(
        "supercloud.dev", "v1alpha1", "SuperNode", "SuperNodeList", "supernodes", "supernode", false, [], [],
        ["create", "delete", "get", "list", "patch", "update", "watch"], false, JsonNode.Parse("""{"type": "object", "properties": {"spec": {"type": "object"}}}""")!.AsObject(), []);

    private static ApiResource ConfigMap() => new(
        "", "v1", "ConfigMap", "ConfigMapList", "configmaps", "configmap", true, ["cm"], [],
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], false, null, []);

    private static ApiResource Deployment() => new(
        "apps", "v1", "Deployment", "DeploymentList", "deployments", "deployment", true, ["deploy"], ["all"],
        ["create", "delete", "get", "list", "patch", "update", "watch"], true, null, []);

    [Fact]
    public void Index_lists_each_group_version_with_a_hashed_url()
    {
        var index = OpenApiV3.BuildIndex([SuperPod(), SuperNode(), ConfigMap(), Deployment()]);
        var paths = index["paths"]!.AsObject();
        paths.Select(p => p.Key).Should().Equal("api/v1", "apis/apps/v1", "apis/supercloud.dev/v1alpha1");
        paths["apis/supercloud.dev/v1alpha1"]!["serverRelativeURL"]!.GetValue<string>()
            .Should().MatchRegex("^/openapi/v3/apis/supercloud.dev/v1alpha1\\?hash=[0-9A-F]{128}$");
        paths["api/v1"]!["serverRelativeURL"]!.GetValue<string>().Should().StartWith("/openapi/v3/api/v1?hash=");
    }

    [Fact]
    public void Hash_changes_when_the_group_version_document_changes_and_only_then()
    {
        string Url(ApiResource pod) => OpenApiV3.BuildIndex([pod, ConfigMap()])["paths"]!["apis/supercloud.dev/v1alpha1"]!["serverRelativeURL"]!.GetValue<string>();
        string CoreUrl(ApiResource pod) => OpenApiV3.BuildIndex([pod, ConfigMap()])["paths"]!["api/v1"]!["serverRelativeURL"]!.GetValue<string>();
        Url(SuperPod()).Should().Be(Url(SuperPod()));
        Url(SuperPod(SuperPodSchema("Changed description."))).Should().NotBe(Url(SuperPod()));
        CoreUrl(SuperPod(SuperPodSchema("Changed description."))).Should().Be(CoreUrl(SuperPod()));
        var hash = Url(SuperPod())[(Url(SuperPod()).IndexOf('=', StringComparison.Ordinal) + 1)..];
        hash.Should().Be(OpenApiV3.Hash(OpenApiV3.BuildGroupVersion("supercloud.dev", "v1alpha1", [SuperPod()])));
    }

    [Fact]
    public void Crd_document_embeds_schema_with_descriptions_and_gvk()
    {
        var doc = OpenApiV3.BuildGroupVersion("supercloud.dev", "v1alpha1", [SuperPod(), SuperNode(), ConfigMap()]);
        doc["openapi"]!.GetValue<string>().Should().StartWith("3.0");
        var schemas = doc["components"]!["schemas"]!.AsObject();
        schemas.ContainsKey("io.k8s.api.core.v1.ConfigMap").Should().BeFalse("other group-versions are not in this document");
        var pod = schemas["dev.supercloud.v1alpha1.SuperPod"]!;
        pod["description"]!.GetValue<string>().Should().Be("A nested VM managed by SuperCloud.");
        pod["properties"]!["spec"]!["description"]!.GetValue<string>().Should().Be("Desired state of the SuperPod.");
        pod["properties"]!["spec"]!["properties"]!["resources"]!["properties"]!["cpu"]!["description"]!.GetValue<string>().Should().Be("Virtual CPUs.");
        pod["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>().Should().Be("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        pod["properties"]!["kind"]!["description"]!.GetValue<string>().Should().StartWith("Kind is a string value");
        pod["properties"]!["spec"]!["properties"]!["template"]!["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!.GetValue<string>()
            .Should().EndWith("ObjectMeta");
        pod["x-kubernetes-group-version-kind"]!.ToJsonString().Should().Be("""[{"group":"supercloud.dev","kind":"SuperPod","version":"v1alpha1"}]""");
        schemas["dev.supercloud.v1alpha1.SuperPodList"]!["properties"]!["items"]!["items"]!["$ref"]!.GetValue<string>()
            .Should().Be("#/components/schemas/dev.supercloud.v1alpha1.SuperPod");
        foreach (var meta in new[] { "ObjectMeta", "ListMeta", "Status", "DeleteOptions", "Patch", "ManagedFieldsEntry", "OwnerReference", "Time" })
        {
            schemas.ContainsKey("io.k8s.apimachinery.pkg.apis.meta.v1." + meta).Should().BeTrue(meta);
        }

        schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["properties"]!["labels"]!["description"]!.GetValue<string>().Should().StartWith("Map of string keys");
    }

    [Fact]
    public void Every_reference_resolves_within_the_document()
    {
        var doc = OpenApiV3.BuildGroupVersion("supercloud.dev", "v1alpha1", [SuperPod(), SuperNode()]);
        var schemas = doc["components"]!["schemas"]!.AsObject();
        var refs = new List<string>();
        void Collect(JsonNode? n)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var (k, v) in o)
                    {
                        if (k == "$ref")
                        {
                            refs.Add(v!.GetValue<string>());
                        }
                        else
                        {
                            Collect(v);
                        }
                    }

                    break;
                case JsonArray a:
                    foreach (var i in a)
                    {
                        Collect(i);
                    }

                    break;
            }
        }

        Collect(doc);
        refs.Should().NotBeEmpty();
        foreach (var reference in refs)
        {
            reference.Should().StartWith("#/components/schemas/");
            schemas.ContainsKey(reference["#/components/schemas/".Length..]).Should().BeTrue(reference);
        }
    }

    [Fact]
    public void Patch_operation_has_field_validation_and_gvk_as_kubectl_checks()
    {
        var doc = OpenApiV3.BuildGroupVersion("supercloud.dev", "v1alpha1", [SuperPod()]);
        var patch = doc["paths"]!["/apis/supercloud.dev/v1alpha1/namespaces/{namespace}/superpods/{name}"]!["patch"]!;
        patch["x-kubernetes-group-version-kind"]!.ToJsonString().Should().Be("""{"group":"supercloud.dev","kind":"SuperPod","version":"v1alpha1"}""");
        patch["x-kubernetes-action"]!.GetValue<string>().Should().Be("patch");
        patch["operationId"]!.GetValue<string>().Should().Be("patchSupercloudDevV1alpha1NamespacedSuperPod");
        var parameters = patch["parameters"]!.AsArray().Select(p => (p!["name"]!.GetValue<string>(), p["in"]!.GetValue<string>())).ToList();
        parameters.Should().Contain([("fieldValidation", "query"), ("dryRun", "query"), ("fieldManager", "query"), ("force", "query")]);
        patch["requestBody"]!["content"]!.AsObject().Select(c => c.Key).Should()
            .BeEquivalentTo("application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json");
    }

    [Fact]
    public void Paths_cover_collection_item_status_and_all_namespaces_with_verbs()
    {
        var paths = OpenApiV3.BuildGroupVersion("supercloud.dev", "v1alpha1", [SuperPod(), SuperNode()])["paths"]!.AsObject();
        paths.Select(p => p.Key).Should().BeEquivalentTo(
            "/apis/supercloud.dev/v1alpha1/namespaces/{namespace}/superpods",
            "/apis/supercloud.dev/v1alpha1/namespaces/{namespace}/superpods/{name}",
            "/apis/supercloud.dev/v1alpha1/namespaces/{namespace}/superpods/{name}/status",
            "/apis/supercloud.dev/v1alpha1/superpods",
            "/apis/supercloud.dev/v1alpha1/supernodes",
            "/apis/supercloud.dev/v1alpha1/supernodes/{name}");
        var collection = paths["/apis/supercloud.dev/v1alpha1/namespaces/{namespace}/superpods"]!.AsObject();
        collection.Select(p => p.Key).Should().BeEquivalentTo("get", "post", "delete", "parameters");
        collection["get"]!["x-kubernetes-action"]!.GetValue<string>().Should().Be("list");
        collection["post"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Contain("fieldValidation");
        collection["get"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Contain(["watch", "labelSelector", "resourceVersion"]);
        paths["/apis/supercloud.dev/v1alpha1/supernodes"]!.AsObject().ContainsKey("delete").Should().BeFalse("supernodes do not serve deletecollection");
        paths["/apis/supercloud.dev/v1alpha1/supernodes/{name}"]!["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>())
            .Should().Equal("name", "pretty");
    }

    [Fact]
    public void Built_in_kinds_get_paths_and_a_permissive_schema()
    {
        var doc = OpenApiV3.BuildGroupVersion("", "v1", [ConfigMap()]);
        var patch = doc["paths"]!["/api/v1/namespaces/{namespace}/configmaps/{name}"]!["patch"]!;
        patch["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Contain("fieldValidation");
        patch["operationId"]!.GetValue<string>().Should().Be("patchCoreV1NamespacedConfigMap");
        var schema = doc["components"]!["schemas"]!["io.k8s.api.core.v1.ConfigMap"]!;
        schema["x-kubernetes-preserve-unknown-fields"]!.GetValue<bool>().Should().BeTrue();
        schema["x-kubernetes-group-version-kind"]![0]!["kind"]!.GetValue<string>().Should().Be("ConfigMap");
        OpenApiV3.BuildGroupVersion("apps", "v1", [Deployment()])["components"]!["schemas"]!.AsObject().ContainsKey("io.k8s.api.apps.v1.Deployment").Should().BeTrue();
    }

    [Fact]
    public void V2_document_uses_definitions_body_parameters_and_v2_schemas()
    {
        var doc = OpenApiV2.Build([SuperPod(), ConfigMap()]);
        doc["swagger"]!.GetValue<string>().Should().Be("2.0");
        var patch = doc["paths"]!["/apis/supercloud.dev/v1alpha1/namespaces/{namespace}/superpods/{name}"]!["patch"]!;
        patch["consumes"]!.AsArray().Select(c => c!.GetValue<string>()).Should().NotContain("application/strategic-merge-patch+json");
        patch["parameters"]!.AsArray().Should().Contain(p => p!["name"]!.GetValue<string>() == "body" && p["in"]!.GetValue<string>() == "body");
        var fieldValidation = patch["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "fieldValidation")!;
        fieldValidation["type"]!.GetValue<string>().Should().Be("string");
        patch["responses"]!["200"]!["schema"]!["$ref"]!.GetValue<string>().Should().Be("#/definitions/dev.supercloud.v1alpha1.SuperPod");
        var pod = doc["definitions"]!["dev.supercloud.v1alpha1.SuperPod"]!;
        pod["properties"]!["metadata"]!["$ref"]!.GetValue<string>().Should().Be("#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta");
        var spec = pod["properties"]!["spec"]!.AsObject();
        spec.ContainsKey("x-kubernetes-validations").Should().BeFalse();
        spec["properties"]!["maxPrice"]!.AsObject().ContainsKey("type").Should().BeFalse("nullable fields lose their type in v2");
        spec["properties"]!["memory"]!.AsObject().ContainsKey("anyOf").Should().BeFalse();
        doc["definitions"]!.AsObject().ContainsKey("io.k8s.api.core.v1.ConfigMap").Should().BeTrue();
        doc.ToJsonString().Should().NotContain("#/components/schemas/");
    }
}
