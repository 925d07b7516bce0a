using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using static SuperCloud.Lab.Tests.ApiServer.TestCluster;

namespace SuperCloud.Lab.Tests.ApiServer;

/// <summary>ValidatingAdmissionPolicy and its binding are served like other cluster-scoped built-ins.</summary>
public sealed class AdmissionPolicyServingTests
{
    private const string GroupVersion = "/apis/admissionregistration.k8s.io/v1";

    [Fact]
    public async Task Policies_and_bindings_are_discovered_created_listed_watched_tabled_and_deleted()
    {
        await using var cluster = await StartAsync(withWidgets: false);
        using var http = new HttpClient { BaseAddress = cluster.Server.BaseAddress };

        var discovery = JsonNode.Parse(await http.GetStringAsync(new Uri(GroupVersion, UriKind.Relative)))!["resources"]!.AsArray();
        var policies = discovery.Single(r => Json(r!.AsObject(), "name") == "validatingadmissionpolicies")!.AsObject();
        policies["namespaced"]!.GetValue<bool>().Should().BeFalse();
        Json(policies, "kind").Should().Be("ValidatingAdmissionPolicy");
        discovery.Should().Contain(r => Json(r!.AsObject(), "name") == "validatingadmissionpolicies/status");
        discovery.Should().Contain(r => Json(r!.AsObject(), "name") == "validatingadmissionpolicybindings");

        using var watchCts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = await http.GetAsync(new Uri(GroupVersion + "/validatingadmissionpolicies?watch=true", UriKind.Relative),
            HttpCompletionOption.ResponseHeadersRead, watchCts.Token);
        using var events = new StreamReader(await watch.Content.ReadAsStreamAsync(watchCts.Token));

        var api = cluster.Client.AdmissionregistrationV1;
        var created = await api.CreateValidatingAdmissionPolicyAsync(new V1ValidatingAdmissionPolicy
        {
            Metadata = new V1ObjectMeta { Name = "deny-all" },
            Spec = new V1ValidatingAdmissionPolicySpec
            {
                FailurePolicy = "Fail",
                MatchConstraints = new V1MatchResources
                {
                    ResourceRules = [new V1NamedRuleWithOperations { ApiGroups = [""], ApiVersions = ["v1"], Operations = ["CREATE"], Resources = ["configmaps"] }],
                },
                Validations = [new V1Validation { Expression = "false", Message = "never" }],
            },
        });
        await api.CreateValidatingAdmissionPolicyBindingAsync(new V1ValidatingAdmissionPolicyBinding
        {
            Metadata = new V1ObjectMeta { Name = "deny-all" },
            Spec = new V1ValidatingAdmissionPolicyBindingSpec { PolicyName = "deny-all", ValidationActions = ["Deny"] },
        });

        created.Metadata.Generation.Should().Be(1);
        created.Metadata.NamespaceProperty.Should().BeNull();
        var added = JsonNode.Parse((await events.ReadLineAsync(watchCts.Token))!)!.AsObject();
        Json(added, "type").Should().Be("ADDED");
        Json(added, "object", "metadata", "name").Should().Be("deny-all");
        (await api.ListValidatingAdmissionPolicyBindingAsync()).Items.Single().Spec.PolicyName.Should().Be("deny-all");

        // Enforced from the moment the binding exists, with kube's message and the default reason (Invalid, 422).
        var refused = await cluster.Client.Invoking(c => c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "refused" } }, "default"))
            .Should().ThrowAsync<k8s.Autorest.HttpOperationException>();
        refused.Which.Response.StatusCode.Should().Be(System.Net.HttpStatusCode.UnprocessableEntity);
        JsonNode.Parse(refused.Which.Response.Content)!["message"]!.GetValue<string>()
            .Should().Be("ValidatingAdmissionPolicy 'deny-all' with binding 'deny-all' denied request: never");

        using var tableRequest = new HttpRequestMessage(HttpMethod.Get, GroupVersion + "/validatingadmissionpolicybindings");
        tableRequest.Headers.TryAddWithoutValidation("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io");
        using var tableResponse = await http.SendAsync(tableRequest);
        var table = JsonNode.Parse(await tableResponse.Content.ReadAsStringAsync())!.AsObject();
        Json(table, "kind").Should().Be("Table");
        table["rows"]!.AsArray().Single()!["cells"]![0]!.GetValue<string>().Should().Be("deny-all");

        await api.DeleteValidatingAdmissionPolicyBindingAsync("deny-all");
        await api.DeleteValidatingAdmissionPolicyAsync("deny-all");
        (await api.ListValidatingAdmissionPolicyAsync()).Items.Should().BeEmpty();
        Json(JsonNode.Parse((await events.ReadLineAsync(watchCts.Token))!)!.AsObject(), "type").Should().Be("DELETED");
    }
}
