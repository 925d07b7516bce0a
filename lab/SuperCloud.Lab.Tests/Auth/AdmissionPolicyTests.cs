using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.Auth;

/// <summary>ValidatingAdmissionPolicies enforced as kube-apiserver does: matching, conditions, variables, messages, actions, failure policy.</summary>
public sealed class AdmissionPolicyTests : IAsyncLifetime
{
    private SecureCluster _lab = null!;

    public async Task InitializeAsync()
    {
        _lab = await SecureCluster.StartAsync();
        await _lab.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace
        {
            Metadata = new V1ObjectMeta { Name = "prod", Labels = new Dictionary<string, string> { ["env"] = "prod" } },
        });
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    [Fact]
    public async Task Deny_uses_the_reason_and_the_message_expression_and_stores_nothing()
    {
        await PolicyAsync("owner-label", "Deny", ["CREATE", "UPDATE"], new V1Validation
        {
            Expression = "has(object.metadata.labels) && 'owner' in object.metadata.labels",
            MessageExpression = "'ConfigMap ' + object.metadata.name + ' needs an owner label'",
            Reason = "Forbidden",
        });

        var refused = await CreateAsync("prod", "unowned");

        refused.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        Message(refused).Should().Be("ValidatingAdmissionPolicy 'owner-label' with binding 'owner-label' denied request: ConfigMap unowned needs an owner label");
        (await _lab.Admin.CoreV1.ListNamespacedConfigMapAsync("prod")).Items.Should().NotContain(c => c.Metadata.Name == "unowned");
        await _lab.Admin.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "owned", Labels = new Dictionary<string, string> { ["owner"] = "ops" } } }, "prod");
    }

    [Fact]
    public async Task Match_conditions_and_variables_narrow_a_policy_to_one_user()
    {
        var alice = SecureCluster.Client(_lab.Kubeconfig("alice", client: _lab.Ca.IssueUser("alice", ["system:masters"], TimeSpan.FromHours(1))));
        await PolicyAsync("alice-names", "Deny", ["CREATE"], new V1Validation
        {
            Expression = "object.metadata.name.startsWith(variables.prefix)",
            MessageExpression = "'names must start with ' + variables.prefix",
        }, conditions: [new V1MatchCondition { Name = "is-alice", Expression = "request.userInfo.username == 'alice'" }],
            variables: [new V1Variable { Name = "prefix", Expression = "request.userInfo.username + '-'" }]);

        await alice.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "alice-notes" } }, "prod");
        var refused = await alice.Invoking(c => c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "notes" } }, "prod", cancellationToken: default))
            .Should().ThrowAsync<HttpOperationException>();
        refused.Which.Response.StatusCode.Should().Be(HttpStatusCode.UnprocessableEntity, "the default reason is Invalid");
        Message(refused.Which).Should().EndWith("denied request: names must start with alice-");
        await _lab.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "notes" } }, "prod");
    }

    [Fact]
    public async Task Warn_action_lets_the_write_through_with_a_warning_kubectl_prints()
    {
        await PolicyAsync("soft", "Warn", ["CREATE"], new V1Validation { Expression = "false", Message = "prefer labelled ConfigMaps" });
        var manifest = Path.Combine(_lab.Cluster.Directory, "warned.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: warned\n  namespace: prod\n");

        var create = await KubectlRunner.RunOnceAsync(_lab.Cluster, null, "create", "-f", manifest);

        create.ExitCode.Should().Be(0, create.ToString());
        create.Stderr.Should().Contain("Warning: Validation failed for ValidatingAdmissionPolicy 'soft' with binding 'soft': prefer labelled ConfigMaps");
    }

    [Fact]
    public async Task Namespace_selector_and_delete_operations_are_matched()
    {
        await _lab.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "keep" } }, "prod");
        await _lab.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "keep" } }, "default");
        await PolicyAsync("no-prod-deletes", "Deny", ["DELETE"], new V1Validation { Expression = "false", Message = "prod ConfigMaps are not deleted", Reason = "Forbidden" },
            namespaceSelector: new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["env"] = "prod" } });

        var refused = await _lab.Admin.Invoking(c => c.CoreV1.DeleteNamespacedConfigMapAsync("keep", "prod", cancellationToken: default)).Should().ThrowAsync<HttpOperationException>();
        Message(refused.Which).Should().EndWith("prod ConfigMaps are not deleted");
        await _lab.Admin.CoreV1.DeleteNamespacedConfigMapAsync("keep", "default");
        (await _lab.Admin.CoreV1.ReadNamespacedConfigMapAsync("keep", "prod")).Should().NotBeNull();
    }

    [Fact]
    public async Task Evaluation_error_denies_with_fail_and_is_ignored_with_ignore()
    {
        await PolicyAsync("broken", "Deny", ["CREATE"], new V1Validation { Expression = "object.data.missing == 'x'" });

        var refused = await CreateAsync("prod", "no-data");
        Message(refused).Should().StartWith("ValidatingAdmissionPolicy 'broken' with binding 'broken' denied request: expression 'object.data.missing == 'x'' resulted in error");

        var policy = await _lab.Admin.AdmissionregistrationV1.ReadValidatingAdmissionPolicyAsync("broken");
        policy.Spec.FailurePolicy = "Ignore";
        await _lab.Admin.AdmissionregistrationV1.ReplaceValidatingAdmissionPolicyAsync(policy, "broken");
        await _lab.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "no-data" } }, "prod");
    }

    private async Task<HttpOperationException> CreateAsync(string ns, string name)
    {
        var refused = await _lab.Admin.Invoking(c => c.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, ns, cancellationToken: default))
            .Should().ThrowAsync<HttpOperationException>();
        return refused.Which;
    }

    private static string Message(HttpOperationException e) => JsonNode.Parse(e.Response.Content)!["message"]!.GetValue<string>();

    private async Task PolicyAsync(
        string name, string action, IList<string> operations, V1Validation validation, IList<V1MatchCondition>? conditions = null,
        IList<V1Variable>? variables = null, V1LabelSelector? namespaceSelector = null)
    {
        await _lab.Admin.AdmissionregistrationV1.CreateValidatingAdmissionPolicyAsync(new V1ValidatingAdmissionPolicy
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ValidatingAdmissionPolicySpec
            {
                FailurePolicy = "Fail",
                MatchConstraints = new V1MatchResources
                {
                    ResourceRules = [new V1NamedRuleWithOperations { ApiGroups = [""], ApiVersions = ["v1"], Operations = operations, Resources = ["configmaps"] }],
                    NamespaceSelector = namespaceSelector,
                },
                MatchConditions = conditions,
                Variables = variables,
                Validations = [validation],
            },
        });
        await _lab.Admin.AdmissionregistrationV1.CreateValidatingAdmissionPolicyBindingAsync(new V1ValidatingAdmissionPolicyBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1ValidatingAdmissionPolicyBindingSpec { PolicyName = name, ValidationActions = [action] },
        });
    }
}
