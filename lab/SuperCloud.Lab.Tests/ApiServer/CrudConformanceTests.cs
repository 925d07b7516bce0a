using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>CRUD, conflicts, validation and dry run through the official KubernetesClient.</summary>
public sealed class CrudConformanceTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Create_sets_system_metadata_and_defaults_and_get_returns_it()
    {
        var created = await _cluster.CreateWidgetAsync(Widget("w1", 3));

        Json(created, "metadata", "uid").Should().NotBeEmpty();
        Json(created, "metadata", "creationTimestamp").Should().EndWith("Z");
        Json(created, "metadata", "generation").Should().Be("1");
        long.Parse(Json(created, "metadata", "resourceVersion"), System.Globalization.CultureInfo.InvariantCulture).Should().BePositive();
        Json(created, "spec", "color").Should().Be("red", "the schema default applies");
        var fetched = await _cluster.GetWidgetAsync("w1");
        JsonNode.DeepEquals(fetched, created).Should().BeTrue();
    }

    [Fact]
    public async Task Create_with_generateName_appends_five_random_characters()
    {
        var created = await _cluster.CreateWidgetAsync(Widget("", 3, metadata: new JsonObject { ["generateName"] = "gen-" }));

        Json(created, "metadata", "name").Should().MatchRegex("^gen-[a-z0-9]{5}$");
    }

    [Fact]
    public async Task Create_existing_returns_409_AlreadyExists()
    {
        await _cluster.CreateWidgetAsync(Widget("dup", 3));

        await _cluster.CreateWidgetAsync(Widget("dup", 3)).ShouldFailAsync(HttpStatusCode.Conflict, "AlreadyExists",
            "widgets.lab.supercloud.dev \"dup\" already exists");
    }

    [Fact]
    public async Task Get_missing_returns_404_NotFound()
    {
        await _cluster.GetWidgetAsync("nope").ShouldFailAsync(HttpStatusCode.NotFound, "NotFound",
            "widgets.lab.supercloud.dev \"nope\" not found");
    }

    [Fact]
    public async Task Create_in_missing_namespace_returns_404_for_the_namespace()
    {
        await _cluster.CreateWidgetAsync(Widget("w", 3, "missing"), "missing").ShouldFailAsync(HttpStatusCode.NotFound, "NotFound",
            "namespaces \"missing\" not found");
    }

    [Fact]
    public async Task Invalid_name_returns_422_with_kube_message()
    {
        var status = await _cluster.CreateWidgetAsync(Widget("Bad_Name", 3)).ShouldFailAsync(HttpStatusCode.UnprocessableEntity, "Invalid");

        status["message"]!.GetValue<string>().Should().StartWith(
            "Widget.lab.supercloud.dev \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters");
    }

    [Fact]
    public async Task Update_with_stale_resourceVersion_returns_409_Conflict()
    {
        var created = await _cluster.CreateWidgetAsync(Widget("w1", 3));
        var first = created.DeepClone().AsObject();
        first["spec"]!["size"] = 4;
        await _cluster.ReplaceWidgetAsync(first);

        var stale = created.DeepClone().AsObject();
        stale["spec"]!["size"] = 5;
        await _cluster.ReplaceWidgetAsync(stale).ShouldFailAsync(HttpStatusCode.Conflict, "Conflict",
            "Operation cannot be fulfilled on widgets.lab.supercloud.dev \"w1\": the object has been modified; please apply your changes to the latest version and try again");
        Json(await _cluster.GetWidgetAsync("w1"), "spec", "size").Should().Be("4");
    }

    [Fact]
    public async Task Update_of_custom_resource_without_resourceVersion_returns_422_like_kube()
    {
        await _cluster.CreateWidgetAsync(Widget("w1", 3));

        var status = await _cluster.ReplaceWidgetAsync(Widget("w1", 6)).ShouldFailAsync(HttpStatusCode.UnprocessableEntity, "Invalid",
            "Widget.lab.supercloud.dev \"w1\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");

        status["details"]!["causes"]![0]!["field"]!.GetValue<string>().Should().Be("metadata.resourceVersion");
        Json(await _cluster.GetWidgetAsync("w1"), "spec", "size").Should().Be("3");
    }

    [Fact]
    public async Task Update_with_current_resourceVersion_bumps_generation()
    {
        var created = await _cluster.CreateWidgetAsync(Widget("w1", 3));
        var replacement = Widget("w1", 6);
        replacement["metadata"]!["resourceVersion"] = Json(created, "metadata", "resourceVersion");

        var updated = await _cluster.ReplaceWidgetAsync(replacement);

        Json(updated, "spec", "size").Should().Be("6");
        Json(updated, "metadata", "generation").Should().Be("2");
    }

    [Fact]
    public async Task Update_of_built_in_kind_without_resourceVersion_stays_unconditional()
    {
        await _cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" }, Data = new Dictionary<string, string> { ["k"] = "1" } }, "default");

        var replaced = await _cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm" }, Data = new Dictionary<string, string> { ["k"] = "2" } }, "cm", "default");

        replaced.Data["k"].Should().Be("2");
    }

    [Fact]
    public async Task Schema_violation_returns_422_naming_the_field()
    {
        var status = await _cluster.CreateWidgetAsync(Widget("big", 42)).ShouldFailAsync(HttpStatusCode.UnprocessableEntity, "Invalid");

        status["message"]!.GetValue<string>().Should().Be(
            "Widget.lab.supercloud.dev \"big\" is invalid: spec.size: Invalid value: 42: spec.size in body should be less than or equal to 10");
        status["details"]!["causes"]![0]!["field"]!.GetValue<string>().Should().Be("spec.size");
    }

    [Fact]
    public async Task Cel_rule_violation_returns_422_with_the_rule_message()
    {
        var widget = Widget("cel", 3);
        widget["spec"]!["minSize"] = 5;

        var status = await _cluster.CreateWidgetAsync(widget).ShouldFailAsync(HttpStatusCode.UnprocessableEntity, "Invalid");

        status["message"]!.GetValue<string>().Should().Be(
            "Widget.lab.supercloud.dev \"cel\" is invalid: spec: Invalid value: \"object\": minSize must not exceed size");
    }

    [Fact]
    public async Task Unknown_field_with_strict_validation_returns_400()
    {
        var widget = Widget("strict", 3);
        widget["spec"]!["shape"] = "round";

        await _cluster.Client.CustomObjects.CreateNamespacedCustomObjectAsync(widget, WidgetGroup, WidgetVersion, "default", WidgetPlural, fieldValidation: "Strict")
            .ShouldFailAsync(HttpStatusCode.BadRequest, "BadRequest", "Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.shape\"");
    }

    [Fact]
    public async Task Unknown_field_is_pruned_by_default()
    {
        var widget = Widget("pruned", 3);
        widget["spec"]!["shape"] = "round";

        var created = await _cluster.CreateWidgetAsync(widget);

        created["spec"]!.AsObject().ContainsKey("shape").Should().BeFalse();
    }

    [Fact]
    public async Task DryRun_create_validates_and_returns_but_stores_nothing()
    {
        var returned = await _cluster.CreateWidgetAsync(Widget("dry", 3), dryRun: "All");

        Json(returned, "spec", "color").Should().Be("red");
        (await _cluster.WidgetExistsAsync("dry")).Should().BeFalse();
        await _cluster.CreateWidgetAsync(Widget("dry", 99), dryRun: "All").ShouldFailAsync(HttpStatusCode.UnprocessableEntity, "Invalid");
    }

    [Fact]
    public async Task List_filters_by_set_based_label_selectors_and_pages_with_continue()
    {
        foreach (var (name, tier) in new[] { ("a", "web"), ("b", "db"), ("c", "cache"), ("d", "web") })
        {
            await _cluster.CreateWidgetAsync(Widget(name, 1, metadata: new JsonObject { ["labels"] = new JsonObject { ["tier"] = tier } }));
        }

        await _cluster.CreateWidgetAsync(Widget("e", 1));

        async Task<string[]> Names(string selector)
        {
            var list = ToNode(await _cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural, labelSelector: selector));
            return list["items"]!.AsArray().Select(i => Json(i!.AsObject(), "metadata", "name")).ToArray();
        }

        (await Names("tier in (web,db)")).Should().Equal("a", "b", "d");
        (await Names("tier notin (web)")).Should().Equal("b", "c", "e");
        (await Names("!tier")).Should().Equal("e");
        (await Names("tier,tier!=cache")).Should().Equal("a", "b", "d");

        var page1 = ToNode(await _cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural, limit: 2));
        page1["items"]!.AsArray().Should().HaveCount(2);
        var token = Json(page1, "metadata", "continue");
        token.Should().NotBeEmpty();
        var page2 = ToNode(await _cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural, limit: 10, continueParameter: token));
        page2["items"]!.AsArray().Select(i => Json(i!.AsObject(), "metadata", "name")).Should().Equal("c", "d", "e");
        Json(page2, "metadata", "continue").Should().BeEmpty();
    }

    [Fact]
    public async Task Unsupported_field_selector_on_custom_resources_returns_400()
    {
        await _cluster.Client.CustomObjects.ListNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural, fieldSelector: "spec.size=3")
            .ShouldFailAsync(HttpStatusCode.BadRequest, "BadRequest", "field label not supported: spec.size");
        await _cluster.CreateWidgetAsync(Widget("named", 1));
        var list = ToNode(await _cluster.Client.CustomObjects.ListClusterCustomObjectAsync(WidgetGroup, WidgetVersion, WidgetPlural, fieldSelector: "metadata.name=named"));
        list["items"]!.AsArray().Should().ContainSingle();
    }

    [Fact]
    public async Task Status_subresource_separates_spec_and_status_writes()
    {
        var created = await _cluster.CreateWidgetAsync(Widget("s", 3));

        var withStatus = created.DeepClone().AsObject();
        withStatus["status"] = new JsonObject { ["phase"] = "Running" };
        withStatus["spec"]!["size"] = 9;
        var afterStatus = await _cluster.ReplaceWidgetStatusAsync(withStatus);
        Json(afterStatus, "status", "phase").Should().Be("Running");
        Json(afterStatus, "spec", "size").Should().Be("3", "a status write ignores spec");
        Json(afterStatus, "metadata", "generation").Should().Be("1", "status changes do not bump generation");

        var mainWrite = afterStatus.DeepClone().AsObject();
        mainWrite["status"] = new JsonObject { ["phase"] = "Hacked" };
        mainWrite["spec"]!["size"] = 4;
        var afterMain = await _cluster.ReplaceWidgetAsync(mainWrite);
        Json(afterMain, "status", "phase").Should().Be("Running", "a main-resource write ignores status");
        Json(afterMain, "spec", "size").Should().Be("4");
        Json(afterMain, "metadata", "generation").Should().Be("2");
    }

    [Fact]
    public async Task Merge_and_json_patches_apply_and_strategic_merge_is_415_for_custom_resources()
    {
        await _cluster.CreateWidgetAsync(Widget("p", 3));

        var merged = ToNode(await _cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"spec\":{\"size\":5}}", V1Patch.PatchType.MergePatch), WidgetGroup, WidgetVersion, "default", WidgetPlural, "p"));
        Json(merged, "spec", "size").Should().Be("5");

        var jsonPatched = ToNode(await _cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("[{\"op\":\"replace\",\"path\":\"/spec/size\",\"value\":6}]", V1Patch.PatchType.JsonPatch), WidgetGroup, WidgetVersion, "default", WidgetPlural, "p"));
        Json(jsonPatched, "spec", "size").Should().Be("6");

        await _cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
                new V1Patch("{\"spec\":{\"size\":7}}", V1Patch.PatchType.StrategicMergePatch), WidgetGroup, WidgetVersion, "default", WidgetPlural, "p")
            .ShouldFailAsync(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType",
                "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml");
    }

    [Fact]
    public async Task Secret_string_data_is_merged_into_base64_data_and_bad_base64_is_rejected()
    {
        var secret = await _cluster.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "s" },
            StringData = new Dictionary<string, string> { ["password"] = "hunter2" },
        }, "default");

        System.Text.Encoding.UTF8.GetString(secret.Data["password"]).Should().Be("hunter2");
        secret.StringData.Should().BeNull();
        secret.Type.Should().Be("Opaque");
    }

    [Fact]
    public async Task Discovery_serves_the_crd_with_its_status_subresource_and_names()
    {
        using var http = new HttpClient { BaseAddress = _cluster.Server.BaseAddress };
        var list = JsonNode.Parse(await http.GetStringAsync(new Uri($"/apis/{WidgetGroup}/{WidgetVersion}", UriKind.Relative)))!.AsObject();
        Json(list, "kind").Should().Be("APIResourceList");
        Json(list, "groupVersion").Should().Be("lab.supercloud.dev/v1");
        var resources = list["resources"]!.AsArray().Select(r => r!.AsObject()).ToList();
        var widgets = resources.Single(r => Json(r, "name") == "widgets");
        Json(widgets, "kind").Should().Be("Widget");
        widgets["namespaced"]!.GetValue<bool>().Should().BeTrue();
        widgets["shortNames"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("wd");
        widgets["categories"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Equal("all", "lab");
        Json(widgets, "singularName").Should().Be("widget");
        widgets["verbs"]!.AsArray().Select(n => n!.GetValue<string>()).Should().Contain(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]);
        resources.Should().Contain(r => Json(r, "name") == "widgets/status");

        var crd = await _cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.lab.supercloud.dev");
        crd.Status.Conditions.Should().Contain(c => c.Type == "Established" && c.Status == "True");
        crd.Status.Conditions.Should().Contain(c => c.Type == "NamesAccepted" && c.Status == "True");
        crd.Status.AcceptedNames.Kind.Should().Be("Widget");
    }

    [Fact]
    public async Task Deleting_a_crd_deletes_its_objects_and_stops_serving_it()
    {
        await _cluster.CreateWidgetAsync(Widget("doomed", 1));

        await _cluster.Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("widgets.lab.supercloud.dev");

        await EventuallyAsync(async () =>
        {
            try
            {
                await _cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.lab.supercloud.dev");
                return false;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                return true;
            }
        }, "the CRD is gone");
        await _cluster.GetWidgetAsync("doomed").ShouldFailAsync(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource");
    }

    [Fact]
    public async Task Deleting_a_namespace_terminates_it_and_deletes_its_contents()
    {
        await _cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } });
        await _cluster.CreateWidgetAsync(Widget("w", 1, "team"), "team");

        var deleting = await _cluster.Client.CoreV1.DeleteNamespaceAsync("team");

        await EventuallyAsync(async () => (await _cluster.Client.CoreV1.ListNamespaceAsync()).Items.All(n => n.Metadata.Name != "team"), "namespace removed");
        (await _cluster.WidgetExistsAsync("w", "team")).Should().BeFalse();
        deleting.Should().NotBeNull();
        await _cluster.CreateWidgetAsync(Widget("w", 1, "team"), "team").ShouldFailAsync(HttpStatusCode.NotFound, "NotFound", "namespaces \"team\" not found");
    }

    [Fact]
    public async Task A_terminating_crd_waits_for_finalized_objects_and_refuses_new_ones()
    {
        await _cluster.CreateWidgetAsync(Widget("held", 1, metadata: new JsonObject { ["finalizers"] = new JsonArray("lab.supercloud.dev/hold") }));

        await _cluster.Client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync("widgets.lab.supercloud.dev");

        await EventuallyAsync(async () => Json(await _cluster.GetWidgetAsync("held"), "metadata", "deletionTimestamp").Length > 0, "the widget is being deleted");
        await _cluster.CreateWidgetAsync(Widget("late", 1)).ShouldFailAsync(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed",
            "create not allowed while custom resource definition is terminating");
        (await _cluster.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync("widgets.lab.supercloud.dev")).Metadata.DeletionTimestamp.Should().NotBeNull();

        await _cluster.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), WidgetGroup, WidgetVersion, "default", WidgetPlural, "held");

        await EventuallyAsync(async () => (await _cluster.Client.ApiextensionsV1.ListCustomResourceDefinitionAsync()).Items.Count == 0, "the CRD is gone");
    }

    [Fact]
    public async Task Uid_is_immutable_and_creationTimestamp_is_kept_on_update()
    {
        var created = await _cluster.CreateWidgetAsync(Widget("imm", 1));

        var changedUid = created.DeepClone().AsObject();
        changedUid["metadata"]!["uid"] = "00000000-0000-0000-0000-000000000000";
        var status = await _cluster.ReplaceWidgetAsync(changedUid).ShouldFailAsync(HttpStatusCode.UnprocessableEntity, "Invalid");
        status["message"]!.GetValue<string>().Should().Be(
            "Widget.lab.supercloud.dev \"imm\" is invalid: metadata.uid: Invalid value: \"00000000-0000-0000-0000-000000000000\": field is immutable");

        var changedTime = created.DeepClone().AsObject();
        changedTime["metadata"]!["creationTimestamp"] = "2000-01-01T00:00:00Z";
        var updated = await _cluster.ReplaceWidgetAsync(changedTime);
        Json(updated, "metadata", "creationTimestamp").Should().Be(Json(created, "metadata", "creationTimestamp"));
    }

    [Fact]
    public async Task Secret_data_that_is_not_base64_is_a_400()
    {
        using var http = new HttpClient { BaseAddress = _cluster.Server.BaseAddress };
        var body = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = new JsonObject { ["name"] = "bad" },
            ["data"] = new JsonObject { ["key"] = "not*base64" },
        };

        using var response = await http.PostAsync(new Uri("/api/v1/namespaces/default/secrets", UriKind.Relative),
            new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]!.GetValue<string>()
            .Should().Be("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3");
    }
}
