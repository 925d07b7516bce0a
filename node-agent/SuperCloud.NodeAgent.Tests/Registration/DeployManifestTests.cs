using System.Text.Json.Nodes;
using Cel;
using k8s;
using k8s.Models;

namespace SuperCloud.NodeAgent.Tests.Registration;

/// <summary>
/// The agent's RBAC and admission policy (node-agent/deploy): least privilege, and a policy that keeps an agent to its
/// own SuperNode and Lease. The lab API server enforces neither, so the rules are checked here, and the policy's CEL
/// is evaluated on sample admission requests.
/// </summary>
public sealed class DeployManifestTests
{
    private const string AgentUser = "system:serviceaccount:supercloud-system:supercloud-node-agent";
    private const string NodeNameClaim = "authentication.kubernetes.io/node-name";

    private static List<object> Load(string file) =>
        KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", file)));

    [Fact]
    public void Cluster_role_grants_no_wildcards_no_deletes_and_only_reads_superpods()
    {
        var role = Load("rbac.yaml").OfType<V1ClusterRole>().Should().ContainSingle().Subject;

        foreach (var rule in role.Rules)
        {
            rule.Verbs.Should().NotContain("*").And.NotContain(["delete", "deletecollection", "escalate", "bind", "impersonate"]);
            rule.Resources.Should().NotContain("*");
            rule.ApiGroups.Should().Equal("supercloud.dev");
            rule.ResourceNames.Should().BeNullOrEmpty();
        }

        Verbs(role.Rules, "superpods").Should().BeEquivalentTo("get", "list", "watch");
        Verbs(role.Rules, "supernodes").Should().BeEquivalentTo("get", "list", "watch", "create", "patch", "update");
        Verbs(role.Rules, "supernodes/status").Should().BeEquivalentTo("get", "patch", "update");
        role.Rules.SelectMany(r => r.Resources).Should().OnlyContain(r => r == "supernodes" || r == "supernodes/status" || r == "superpods");
    }

    [Fact]
    public void Leases_are_granted_only_in_the_agent_namespace_and_every_binding_names_the_agent_service_account()
    {
        var objects = Load("rbac.yaml");

        var role = objects.OfType<V1Role>().Should().ContainSingle().Subject;
        role.Metadata.NamespaceProperty.Should().Be("supercloud-system");
        role.Rules.Should().ContainSingle().Which.Should().BeEquivalentTo(new
        {
            ApiGroups = new[] { "coordination.k8s.io" },
            Resources = new[] { "leases" },
            Verbs = new[] { "get", "create", "update", "patch" },
        });
        var clusterBinding = objects.OfType<V1ClusterRoleBinding>().Should().ContainSingle().Subject;
        var binding = objects.OfType<V1RoleBinding>().Should().ContainSingle().Subject;
        clusterBinding.RoleRef.Name.Should().Be(objects.OfType<V1ClusterRole>().Single().Metadata.Name);
        binding.RoleRef.Name.Should().Be(role.Metadata.Name);
        foreach (var subject in clusterBinding.Subjects.Concat(binding.Subjects))
        {
            $"system:serviceaccount:{subject.NamespaceProperty}:{subject.Name}".Should().Be(AgentUser);
            subject.Kind.Should().Be("ServiceAccount");
        }

        var account = Load("serviceaccount.yaml").OfType<V1ServiceAccount>().Should().ContainSingle().Subject;
        $"system:serviceaccount:{account.Metadata.NamespaceProperty}:{account.Metadata.Name}".Should().Be(AgentUser);
    }

    [Fact]
    public void Admission_policy_matches_agent_writes_to_supernodes_and_leases_and_reads_the_node_name_claim()
    {
        var objects = Load("admission-policy.yaml");
        var policy = objects.OfType<V1ValidatingAdmissionPolicy>().Should().ContainSingle().Subject;
        var binding = objects.OfType<V1ValidatingAdmissionPolicyBinding>().Should().ContainSingle().Subject;

        binding.Spec.PolicyName.Should().Be(policy.Metadata.Name);
        binding.Spec.ValidationActions.Should().Equal("Deny");
        policy.Spec.FailurePolicy.Should().Be("Fail");
        policy.Spec.MatchConstraints.ResourceRules.SelectMany(r => r.Resources).Should().Contain(["supernodes", "supernodes/status", "leases"]);
        policy.Spec.MatchConstraints.ResourceRules.Should().OnlyContain(r => r.Operations.Contains("CREATE") && r.Operations.Contains("UPDATE"));
        policy.Spec.MatchConditions.Should().ContainSingle().Which.Expression.Should().Contain(AgentUser);
        policy.Spec.Variables.Should().ContainSingle(v => v.Name == "nodeName").Which.Expression.Should().Contain(NodeNameClaim);
        policy.Spec.Validations.Should().Contain(v => v.Expression.Contains("request.name == variables.nodeName", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("supernodes", "UPDATE", "node-a", "node-a", null, true)]
    [InlineData("supernodes", "CREATE", "node-a", "node-a", null, true)]
    [InlineData("supernodes", "UPDATE", "node-a", "node-b", null, false)]
    [InlineData("supernodes", "UPDATE", null, "node-a", null, false)]
    [InlineData("leases", "UPDATE", "node-a", "node-a", "node-a", true)]
    [InlineData("leases", "UPDATE", "node-a", "node-b", "node-b", false)]
    [InlineData("leases", "CREATE", "node-a", "node-a", "node-b", false)]
    public void Policy_allows_an_agent_only_its_own_node(string resource, string operation, string? tokenNode, string objectName, string? holder, bool allowed)
    {
        var policy = Load("admission-policy.yaml").OfType<V1ValidatingAdmissionPolicy>().Single();
        var request = Request(AgentUser, tokenNode, resource, operation, objectName, holder);

        Evaluate(policy.Spec.MatchConditions.Single().Expression, request, null).Should().Be(true);
        var nodeName = Evaluate(policy.Spec.Variables.Single().Expression, request, null);
        nodeName.Should().Be(tokenNode ?? "");
        var failed = policy.Spec.Validations.Where(v => Evaluate(v.Expression, request, nodeName) is not true).Select(v => v.Expression).ToList();

        (failed.Count == 0).Should().Be(allowed, "failed validations: {0}", string.Join(" | ", failed));
    }

    [Fact]
    public void Policy_does_not_match_other_users()
    {
        var policy = Load("admission-policy.yaml").OfType<V1ValidatingAdmissionPolicy>().Single();

        Evaluate(policy.Spec.MatchConditions.Single().Expression,
            Request("system:serviceaccount:supercloud-system:supercloud-operator", null, "supernodes", "UPDATE", "node-a", null), null).Should().Be(false);
    }

    private static IEnumerable<string> Verbs(IEnumerable<V1PolicyRule> rules, string resource) =>
        rules.Where(r => r.Resources.Contains(resource)).SelectMany(r => r.Verbs);

    /// <summary>The CEL variables of an admission request: request, object (and variables when given).</summary>
    private static Dictionary<string, object?> Request(string user, string? tokenNode, string resource, string operation, string name, string? holder)
    {
        var extra = new JsonObject { ["authentication.kubernetes.io/pod-name"] = new JsonArray("supercloud-node-agent-x1") };
        if (tokenNode is not null)
        {
            extra[NodeNameClaim] = new JsonArray(tokenNode);
        }

        var request = new JsonObject
        {
            ["operation"] = operation,
            ["name"] = name,
            ["resource"] = new JsonObject { ["group"] = resource == "leases" ? "coordination.k8s.io" : "supercloud.dev", ["version"] = "v1", ["resource"] = resource },
            ["userInfo"] = new JsonObject { ["username"] = user, ["extra"] = extra },
        };
        var obj = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } };
        if (holder is not null)
        {
            obj["spec"] = new JsonObject { ["holderIdentity"] = holder };
        }

        return new Dictionary<string, object?>(StringComparer.Ordinal) { ["request"] = ToCel(request), ["object"] = ToCel(obj) };
    }

    private static object? Evaluate(string expression, Dictionary<string, object?> variables, object? nodeName)
    {
        var environment = new CelEnvironment([], null);
        var program = environment.Compile(environment.Parse(expression));
        var input = new Dictionary<string, object?>(variables, StringComparer.Ordinal)
        {
            ["variables"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["nodeName"] = nodeName },
        };
        return program(input);
    }

    private static object? ToCel(JsonNode? node) => node switch
    {
        JsonObject obj => obj.ToDictionary(p => p.Key, p => ToCel(p.Value), StringComparer.Ordinal),
        JsonArray array => array.Select(ToCel).ToList(),
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value when value.TryGetValue<bool>(out var flag) => flag,
        JsonValue value => value.GetValue<long>(),
        _ => null,
    };
}
