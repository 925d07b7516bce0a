using k8s;
using k8s.Models;

namespace SuperCloud.NodeAgent.Tests.Registration;

/// <summary>
/// The shape of the agent's RBAC and admission policy (node-agent/deploy): least privilege, and a policy bound to the
/// agent's account that reads the node-name claim. <see cref="AgentAdmissionTests"/> shows both enforced on the agent's
/// real credentials.
/// </summary>
public sealed class DeployManifestTests
{
    private const string AgentUser = "system:serviceaccount:supercloud-system:supercloud-node-agent";
    private const string NodeNameClaim = "authentication.kubernetes.io/node-name";

    private static List<object> Load(string file) =>
        KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "deploy", file)));

    [Fact]
    public void Cluster_role_grants_no_wildcards_no_deletes_and_nothing_of_the_tenants()
    {
        var role = Load("rbac.yaml").OfType<V1ClusterRole>().Should().ContainSingle().Subject;

        foreach (var rule in role.Rules)
        {
            rule.Verbs.Should().NotContain("*").And.NotContain(["delete", "deletecollection", "escalate", "bind", "impersonate"]);
            rule.Resources.Should().NotContain("*");
            rule.ApiGroups.Should().ContainSingle().Which.Should().BeOneOf("supercloud.dev", "certificates.k8s.io");
            rule.ResourceNames.Should().BeNullOrEmpty();
        }

        Verbs(role.Rules, "supernodes").Should().BeEquivalentTo("get", "list", "watch", "create", "patch", "update");
        Verbs(role.Rules, "supernodes/status").Should().BeEquivalentTo("get", "patch", "update");
        Verbs(role.Rules, "certificatesigningrequests").Should().BeEquivalentTo("create", "get");
        role.Rules.SelectMany(r => r.Resources).Should().OnlyContain(
            r => r == "supernodes" || r == "supernodes/status" || r == "certificatesigningrequests", "SuperPods (their cloud-init data) and Secrets are the tenants'");
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

    private static IEnumerable<string> Verbs(IEnumerable<V1PolicyRule> rules, string resource) =>
        rules.Where(r => r.Resources.Contains(resource)).SelectMany(r => r.Verbs);
}
