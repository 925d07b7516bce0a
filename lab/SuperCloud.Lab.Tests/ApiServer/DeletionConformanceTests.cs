using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>Finalizers, preconditions and ownerReference garbage collection (background, foreground, orphan).</summary>
public sealed class DeletionConformanceTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await StartAsync();

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<object> DeleteWidgetAsync(string name, string? propagationPolicy = null) =>
        _cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(WidgetGroup, WidgetVersion, "default", WidgetPlural, name, propagationPolicy: propagationPolicy);

    private async Task<V1ConfigMap> CreateDependentAsync(string name, JsonObject owner, bool blockOwnerDeletion = false) =>
        await _cluster.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                OwnerReferences =
                [
                    new V1OwnerReference
                    {
                        ApiVersion = "lab.supercloud.dev/v1", Kind = "Widget", Name = Json(owner, "metadata", "name"),
                        Uid = Json(owner, "metadata", "uid"), BlockOwnerDeletion = blockOwnerDeletion,
                    },
                ],
            },
            Data = new Dictionary<string, string> { ["k"] = "v" },
        }, "default");

    private async Task<bool> ConfigMapExistsAsync(string name) =>
        (await _cluster.Client.CoreV1.ListNamespacedConfigMapAsync("default")).Items.Any(c => c.Metadata.Name == name);

    [Fact]
    public async Task Delete_with_finalizers_sets_deletionTimestamp_and_removes_the_object_only_when_they_are_gone()
    {
        await _cluster.CreateWidgetAsync(Widget("f", 1, metadata: new JsonObject { ["finalizers"] = new JsonArray("lab.supercloud.dev/cleanup") }));

        await DeleteWidgetAsync("f");

        var deleting = await _cluster.GetWidgetAsync("f");
        Json(deleting, "metadata", "deletionTimestamp").Should().NotBeEmpty();
        Json(deleting, "metadata", "deletionGracePeriodSeconds").Should().Be("0");

        var addFinalizer = deleting.DeepClone().AsObject();
        addFinalizer["metadata"]!["finalizers"] = new JsonArray("lab.supercloud.dev/cleanup", "lab.supercloud.dev/other");
        var status = await _cluster.ReplaceWidgetAsync(addFinalizer).ShouldFailAsync(HttpStatusCode.UnprocessableEntity, "Invalid");
        status["message"]!.GetValue<string>().Should().Contain("metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted");

        var release = deleting.DeepClone().AsObject();
        release["metadata"]!.AsObject().Remove("finalizers");
        await _cluster.ReplaceWidgetAsync(release);
        (await _cluster.WidgetExistsAsync("f")).Should().BeFalse();
    }

    [Theory]
    [InlineData("{\"orphanDependents\":\"yes\"}", "", "json: cannot unmarshal string into Go struct field DeleteOptions.orphanDependents of type bool")]
    [InlineData("{\"orphanDependents\":1}", "", "json: cannot unmarshal number into Go struct field DeleteOptions.orphanDependents of type bool")]
    [InlineData("", "?orphanDependents=maybe", "invalid value for orphanDependents: \"maybe\": must be true or false")]
    public async Task Delete_with_a_non_boolean_orphanDependents_returns_400_naming_the_field(string body, string query, string message)
    {
        await _cluster.CreateWidgetAsync(Widget("o", 1));
        using var http = new HttpClient { BaseAddress = _cluster.Server.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/apis/{WidgetGroup}/{WidgetVersion}/namespaces/default/{WidgetPlural}/o{query}", UriKind.Relative));
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Json(status, "reason").Should().Be("BadRequest");
        Json(status, "message").Should().Be(message);
        (await _cluster.WidgetExistsAsync("o")).Should().BeTrue();
    }

    [Fact]
    public async Task Delete_with_a_stale_uid_precondition_returns_409()
    {
        await _cluster.CreateWidgetAsync(Widget("p", 1));

        var status = await _cluster.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(
                WidgetGroup, WidgetVersion, "default", WidgetPlural, "p", new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = "not-the-uid" } })
            .ShouldFailAsync(HttpStatusCode.Conflict, "Conflict");

        status["message"]!.GetValue<string>().Should().StartWith(
            "Operation cannot be fulfilled on widgets.lab.supercloud.dev \"p\": Precondition failed: UID in precondition: not-the-uid, UID in object meta: ");
        (await _cluster.WidgetExistsAsync("p")).Should().BeTrue();
    }

    [Fact]
    public async Task Background_deletion_garbage_collects_dependents_whose_owner_is_gone()
    {
        var owner = await _cluster.CreateWidgetAsync(Widget("owner", 1));
        await CreateDependentAsync("child", owner);

        await DeleteWidgetAsync("owner", "Background");

        (await _cluster.WidgetExistsAsync("owner")).Should().BeFalse();
        await EventuallyAsync(async () => !await ConfigMapExistsAsync("child"), "the dependent is collected");
    }

    [Fact]
    public async Task Foreground_deletion_deletes_blocking_dependents_before_the_owner()
    {
        var owner = await _cluster.CreateWidgetAsync(Widget("owner", 1));
        var child = await CreateDependentAsync("child", owner, blockOwnerDeletion: true);
        child.Metadata.Finalizers = ["lab.supercloud.dev/hold"];
        child = await _cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(child, "child", "default");

        await DeleteWidgetAsync("owner", "Foreground");

        var waiting = await _cluster.GetWidgetAsync("owner");
        waiting["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()).Should().Contain("foregroundDeletion");
        await EventuallyAsync(async () => (await _cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default")).Metadata.DeletionTimestamp is not null,
            "the dependent is being deleted");
        (await _cluster.WidgetExistsAsync("owner")).Should().BeTrue("a blocking dependent still exists");

        var held = await _cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default");
        held.Metadata.Finalizers = null;
        await _cluster.Client.CoreV1.ReplaceNamespacedConfigMapAsync(held, "child", "default");

        await EventuallyAsync(async () => !await _cluster.WidgetExistsAsync("owner"), "the owner goes once its dependents are gone");
        (await ConfigMapExistsAsync("child")).Should().BeFalse();
    }

    [Fact]
    public async Task Orphan_deletion_removes_the_owner_reference_and_keeps_the_dependent()
    {
        var owner = await _cluster.CreateWidgetAsync(Widget("owner", 1));
        await CreateDependentAsync("child", owner);

        await DeleteWidgetAsync("owner", "Orphan");

        await EventuallyAsync(async () => !await _cluster.WidgetExistsAsync("owner"), "the owner is deleted");
        var child = await _cluster.Client.CoreV1.ReadNamespacedConfigMapAsync("child", "default");
        child.Metadata.OwnerReferences.Should().BeNullOrEmpty();
        child.Metadata.DeletionTimestamp.Should().BeNull();
    }
}
