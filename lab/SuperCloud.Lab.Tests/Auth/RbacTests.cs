using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using SuperCloud.Lab.Tests.Kubectl;

namespace SuperCloud.Lab.Tests.Auth;

/// <summary>RBAC as kube-apiserver enforces it: roles, bindings, namespaces, subresources, resource names, impersonation, and kube's 403 messages.</summary>
public sealed class RbacTests : IAsyncLifetime
{
    private SecureCluster _lab = null!;
    private string _alice = null!;

    public async Task InitializeAsync()
    {
        _lab = await SecureCluster.StartAsync();
        _alice = _lab.Kubeconfig("alice", client: _lab.Ca.IssueUser("alice", ["developers"], TimeSpan.FromHours(1)));
        await _lab.Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-a" } });
    }

    public async Task DisposeAsync() => await _lab.DisposeAsync();

    private Task<KubectlRunner.Result> Kubectl(string kubeconfig, params string[] args) =>
        KubectlRunner.RunOnceAsync(_lab.Cluster, null, ["--kubeconfig", kubeconfig, .. args]);

    [Fact]
    public async Task A_user_without_bindings_reads_discovery_but_no_objects_and_gets_kubes_message()
    {
        var resources = await Kubectl(_alice, "api-resources", "--api-group=rbac.authorization.k8s.io");
        resources.ExitCode.Should().Be(0, resources.ToString());
        resources.Stdout.Should().Contain("clusterroles");

        var list = await Kubectl(_alice, "get", "configmaps", "-n", "team-a");

        list.ExitCode.Should().NotBe(0);
        list.Stderr.Should().Contain("Error from server (Forbidden): configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"team-a\"");
    }

    [Fact]
    public async Task Role_binding_grants_its_verbs_in_its_namespace_only()
    {
        await _lab.Admin.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "cm-reader" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get", "list", "watch"] }],
        }, "team-a");
        await _lab.Admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "alice-reads" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "cm-reader" },
            Subjects = [new Rbacv1Subject { Kind = "User", Name = "alice", ApiGroup = "rbac.authorization.k8s.io" }],
        }, "team-a");
        await _lab.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "settings" } }, "team-a");

        (await Kubectl(_alice, "get", "configmap", "settings", "-n", "team-a")).ExitCode.Should().Be(0);
        (await Kubectl(_alice, "auth", "can-i", "list", "configmaps", "-n", "team-a")).Stdout.Trim().Should().Be("yes");
        (await Kubectl(_alice, "auth", "can-i", "list", "configmaps", "-n", "default")).Stdout.Trim().Should().Be("no");
        var delete = await Kubectl(_alice, "delete", "configmap", "settings", "-n", "team-a");
        delete.Stderr.Should().Contain("configmaps \"settings\" is forbidden: User \"alice\" cannot delete resource \"configmaps\" in API group \"\" in the namespace \"team-a\"");
        (await _lab.Admin.CoreV1.ReadNamespacedConfigMapAsync("settings", "team-a")).Should().NotBeNull("a refused delete changes nothing");
    }

    [Fact]
    public async Task Cluster_role_for_a_group_covers_every_namespace_and_a_subresource_needs_its_own_rule()
    {
        await BindClusterRoleAsync("pod-status", new Rbacv1Subject { Kind = "Group", Name = "developers", ApiGroup = "rbac.authorization.k8s.io" },
            new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["get"] },
            new V1PolicyRule { ApiGroups = [""], Resources = ["pods/status"], Verbs = ["update", "patch"] });

        (await Kubectl(_alice, "auth", "can-i", "get", "pods", "-n", "team-a")).Stdout.Trim().Should().Be("yes");
        (await Kubectl(_alice, "auth", "can-i", "get", "pods", "-n", "kube-system")).Stdout.Trim().Should().Be("yes");
        (await Kubectl(_alice, "auth", "can-i", "patch", "pods", "--subresource=status", "-n", "team-a")).Stdout.Trim().Should().Be("yes");
        (await Kubectl(_alice, "auth", "can-i", "patch", "pods", "-n", "team-a")).Stdout.Trim().Should().Be("no");
    }

    [Fact]
    public async Task Resource_names_limit_a_rule_to_the_named_objects()
    {
        var token = await _lab.TokenAsync("team-a", "config-writer");
        await BindClusterRoleAsync("one-secret", new Rbacv1Subject { Kind = "ServiceAccount", Name = "config-writer", NamespaceProperty = "team-a" },
            new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], ResourceNames = ["app-token"], Verbs = ["get", "update"] });
        foreach (var name in new[] { "app-token", "db-password" })
        {
            await _lab.Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = name } }, "team-a");
        }

        var client = SecureCluster.Client(_lab.Kubeconfig("config-writer", token));
        (await client.CoreV1.ReadNamespacedSecretAsync("app-token", "team-a")).Metadata.Name.Should().Be("app-token");
        foreach (var call in new Func<Task>[]
                 {
                     () => client.CoreV1.ReadNamespacedSecretAsync("db-password", "team-a"),
                     () => client.CoreV1.ListNamespacedSecretAsync("team-a"),
                 })
        {
            (await call.Should().ThrowAsync<HttpOperationException>()).Which.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task Impersonation_takes_the_impersonated_users_rights_and_needs_the_impersonate_verb()
    {
        var admin = _lab.Cluster.KubeconfigPath;
        var asAlice = await Kubectl(admin, "--as=alice", "get", "configmaps", "-n", "team-a");
        asAlice.Stderr.Should().Contain("User \"alice\" cannot list resource \"configmaps\"");

        var aliceAsBob = await Kubectl(_alice, "--as=bob", "get", "--raw", "/api/v1/namespaces/team-a/configmaps");
        aliceAsBob.ExitCode.Should().NotBe(0);
        aliceAsBob.Stderr.Should().Contain("users \"bob\" is forbidden: User \"alice\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
    }

    [Fact]
    public async Task Server_side_apply_that_would_create_the_object_needs_the_create_verb()
    {
        await BindClusterRoleAsync("cm-patcher", new Rbacv1Subject { Kind = "User", Name = "alice", ApiGroup = "rbac.authorization.k8s.io" },
            new V1PolicyRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get", "patch"] });
        var manifest = Path.Combine(_lab.Cluster.Directory, "cm.yaml");
        await File.WriteAllTextAsync(manifest, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fresh\n  namespace: team-a\ndata:\n  a: \"1\"\n");

        var apply = await Kubectl(_alice, "apply", "--server-side", "-f", manifest);

        apply.ExitCode.Should().NotBe(0);
        apply.Stderr.Should().Contain("User \"alice\" cannot create resource \"configmaps\"");
        (await _lab.Admin.CoreV1.ListNamespacedConfigMapAsync("team-a")).Items.Should().NotContain(c => c.Metadata.Name == "fresh");
    }

    private async Task BindClusterRoleAsync(string name, Rbacv1Subject subject, params V1PolicyRule[] rules)
    {
        await _lab.Admin.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole { Metadata = new V1ObjectMeta { Name = name }, Rules = rules });
        await _lab.Admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = [subject],
        });
    }
}
