using System.Diagnostics;
using k8s;
using k8s.Models;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Kubectl;

/// <summary>The project's Helm chart (`charts/supercloud`) linted, rendered, installed, upgraded and uninstalled by the real helm v4 against the lab server.</summary>
public sealed class ProjectChartTests : IAsyncLifetime
{
    private const string Namespace = "supercloud-system";

    private static readonly string Chart = Path.Combine(RepoPaths.Root, "charts", "supercloud");

    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(withWidgets: false);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public void Chart_crds_equal_the_generated_crds()
    {
        var generated = Path.Combine(RepoPaths.Root, "crds", "generated");
        var inChart = Path.Combine(Chart, "crds");
        var fix = "charts/supercloud/crds must be a copy of crds/generated: run `make manifests` (or `cp crds/generated/*.yaml charts/supercloud/crds/`)";

        Names(inChart).Should().BeEquivalentTo(Names(generated), fix);
        Names(generated).Should().HaveCount(6);
        foreach (var name in Names(generated))
        {
            File.ReadAllText(Path.Combine(inChart, name)).Should().Be(File.ReadAllText(Path.Combine(generated, name)), $"{name} differs; {fix}");
        }

        static IEnumerable<string> Names(string dir) => Directory.EnumerateFiles(dir, "*.yaml").Select(Path.GetFileName).Order().ToList()!;
    }

    [Fact]
    public async Task Helm_lint_is_clean_and_template_renders_every_object_in_the_release_namespace()
    {
        var lint = await HelmAsync("lint", Chart, "--strict");
        lint.ExitCode.Should().Be(0, lint.ToString());
        lint.Stdout.Should().Contain("1 chart(s) linted, 0 chart(s) failed").And.NotContain("[WARNING]").And.NotContain("[ERROR]");

        var template = await HelmAsync("template", "sc", Chart, "-n", "tenant-a", "--set", "nodeAgent.cluster=eu-1");
        template.ExitCode.Should().Be(0, template.ToString());
        var objects = KubernetesYaml.LoadAllFromString(template.Stdout);
        objects.Select(o => ((IKubernetesObject)o).Kind).Should().Contain(
            ["Deployment", "DaemonSet", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service",
                "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]);

        // The policy matches the agents' own service account in the release namespace, not the hard-coded supercloud-system.
        var policy = objects.OfType<V1ValidatingAdmissionPolicy>().Single();
        policy.Spec.MatchConditions.Single().Expression.Should().Be("request.userInfo.username == 'system:serviceaccount:tenant-a:sc-supercloud-node-agent'");
        objects.OfType<V1ValidatingAdmissionPolicyBinding>().Single().Spec.PolicyName.Should().Be(policy.Metadata.Name);

        var agent = objects.OfType<V1DaemonSet>().Single().Spec.Template.Spec;
        agent.ServiceAccountName.Should().Be("sc-supercloud-node-agent");
        agent.Containers[0].Env.Single(e => e.Name == "SUPERCLOUD_Kubernetes__Cluster").Value.Should().Be("eu-1");
        agent.Containers[0].Env.Single(e => e.Name == "SUPERCLOUD_Kubernetes__LeaseNamespace").Value.Should().Be("tenant-a");
        agent.Volumes.Single(v => v.Name == "kube-api-access").Projected.Sources.Should().Contain(s => s.ServiceAccountToken != null);
        objects.OfType<V1Deployment>().Single().Spec.Template.Spec.Containers[0].Image.Should().Be("supercloud/operator:0.1.0");
        agent.Containers[0].Image.Should().Be("supercloud/node-agent:0.1.0");
    }

    [Fact]
    public async Task Helm_install_creates_the_crds_and_objects_upgrade_scales_and_uninstall_removes_them()
    {
        var install = await HelmAsync("install", "supercloud", Chart, "-n", Namespace, "--create-namespace");
        install.ExitCode.Should().Be(0, install.ToString());
        install.Stdout.Should().Contain("STATUS: deployed").And.Contain("supercloud-ca");

        var crds = await _cluster.Client.ApiextensionsV1.ListCustomResourceDefinitionAsync();
        crds.Items.Select(c => c.Metadata.Name).Should().Contain(
            ["superpods.supercloud.dev", "supernodes.supercloud.dev", "superclusters.supercloud.dev", "stubresources.supercloud.dev",
                "migrationpolicies.supercloud.dev", "superpodmigrations.supercloud.dev"]);

        var deployment = await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("supercloud-operator", Namespace);
        deployment.Spec.Replicas.Should().Be(2);
        var operatorContainer = deployment.Spec.Template.Spec.Containers.Single();
        operatorContainer.Env.Single(e => e.Name == "POD_NAME").ValueFrom.FieldRef.FieldPath.Should().Be("metadata.name");
        operatorContainer.Env.Single(e => e.Name == "SUPERCLOUD_Operator__LeaderElection__Namespace").Value.Should().Be(Namespace);
        operatorContainer.LivenessProbe.HttpGet.Path.Should().Be("/healthz");
        operatorContainer.ReadinessProbe.HttpGet.Path.Should().Be("/readyz");
        operatorContainer.SecurityContext.ReadOnlyRootFilesystem.Should().BeTrue();
        operatorContainer.SecurityContext.RunAsNonRoot.Should().BeTrue();
        operatorContainer.SecurityContext.Capabilities.Drop.Should().Equal("ALL");

        var daemonSet = await _cluster.Client.AppsV1.ReadNamespacedDaemonSetAsync("supercloud-node-agent", Namespace);
        var agentPod = daemonSet.Spec.Template.Spec;
        agentPod.HostNetwork.Should().BeTrue();
        agentPod.ServiceAccountName.Should().Be("supercloud-node-agent", "node-agent/deploy and its admission policy name this account");
        agentPod.Containers.Single().SecurityContext.Privileged.Should().BeTrue();
        agentPod.Containers.Single().Env.Single(e => e.Name == "SUPERCLOUD_NodeAgent__NodeName").ValueFrom.FieldRef.FieldPath.Should().Be("spec.nodeName");
        agentPod.Volumes.Should().Contain(v => v.HostPath != null && v.HostPath.Path == "/dev/kvm");

        var operatorRole = await _cluster.Client.RbacAuthorizationV1.ReadClusterRoleAsync("supercloud-operator");
        var agentRole = await _cluster.Client.RbacAuthorizationV1.ReadClusterRoleAsync("supercloud-node-agent");
        foreach (var rule in operatorRole.Rules.Concat(agentRole.Rules))
        {
            rule.Verbs.Concat(rule.Resources).Concat(rule.ApiGroups).Should().NotContain("*");
            rule.Verbs.Intersect(["delete", "deletecollection", "escalate", "bind", "impersonate"]).Should().BeEmpty();
        }

        // node-agent/deploy and operator/deploy (what the lab runs its agents and operator under) grant the same.
        agentRole.Rules.Should().BeEquivalentTo(DeployedClusterRole("node-agent").Rules, o => o.WithStrictOrdering());
        operatorRole.Rules.Should().BeEquivalentTo(DeployedClusterRole("operator").Rules, o => o.WithStrictOrdering());
        operatorRole.Rules.Should().Contain(r => r.Resources.Contains("superpods/status") && r.Verbs.Contains("patch"));
        operatorRole.Rules.Should().Contain(r => r.Resources.Contains("superpodmigrations") && r.Verbs.Contains("create"), "node drains create migrations");
        operatorRole.Rules.Should().Contain(r => r.Resources.Contains("namespaces") && r.Verbs.Contains("watch"), "policy namespace selectors read namespace labels");
        (await _cluster.Client.RbacAuthorizationV1.ReadNamespacedRoleAsync("supercloud-operator-leader-election", Namespace))
            .Rules.Single().Resources.Should().Equal("leases");
        (await _cluster.Client.RbacAuthorizationV1.ReadNamespacedRoleAsync("supercloud-operator-ipam", Namespace)).Rules.Should().BeEquivalentTo(
            KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(RepoPaths.Root, "operator", "deploy", "rbac.yaml"))).OfType<V1Role>()
                .Single(r => r.Metadata.Name == "supercloud-operator-ipam").Rules,
            o => o.WithStrictOrdering(),
            "the overlay's address books (ConfigMaps) in the release namespace, as operator/deploy grants them");
        var ports = (await _cluster.Client.CoreV1.ReadNamespacedServiceAsync("supercloud-operator-metrics", Namespace)).Spec.Ports;
        ports.Single(p => p.Name == "metrics").Port.Should().Be(8080);
        ports.Single(p => p.Name == "dashboard").Port.Should().Be(8081);

        // The node agents' admission policy is node-agent/deploy's, for the release's account.
        var policy = (await _cluster.Client.AdmissionregistrationV1.ListValidatingAdmissionPolicyAsync(labelSelector: "app.kubernetes.io/instance=supercloud")).Items.Single();
        policy.Spec.MatchConditions.Single().Expression.Should().Be($"request.userInfo.username == 'system:serviceaccount:{Namespace}:supercloud-node-agent'");
        var deployed = KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "node-agent", "deploy", "admission-policy.yaml")))
            .OfType<V1ValidatingAdmissionPolicy>().Single();
        policy.Spec.Variables.Should().BeEquivalentTo(deployed.Spec.Variables, o => o.WithStrictOrdering());
        policy.Spec.Validations.Should().BeEquivalentTo(deployed.Spec.Validations, o => o.WithStrictOrdering());
        policy.Spec.MatchConstraints.Should().BeEquivalentTo(deployed.Spec.MatchConstraints);
        (await _cluster.Client.AdmissionregistrationV1.ListValidatingAdmissionPolicyBindingAsync()).Items
            .Should().ContainSingle(b => b.Spec.PolicyName == policy.Metadata.Name);

        var upgrade = await HelmAsync("upgrade", "supercloud", Chart, "-n", Namespace, "--reuse-values", "--set", "operator.replicas=3");
        upgrade.ExitCode.Should().Be(0, upgrade.ToString());
        (await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("supercloud-operator", Namespace)).Spec.Replicas.Should().Be(3);

        var uninstall = await HelmAsync("uninstall", "supercloud", "-n", Namespace);
        uninstall.ExitCode.Should().Be(0, uninstall.ToString());
        (await _cluster.Client.AppsV1.ListNamespacedDeploymentAsync(Namespace)).Items.Should().BeEmpty();
        (await _cluster.Client.AppsV1.ListNamespacedDaemonSetAsync(Namespace)).Items.Should().BeEmpty();
        (await _cluster.Client.CoreV1.ListNamespacedServiceAccountAsync(Namespace)).Items.Should().NotContain(s => s.Metadata.Name.StartsWith("supercloud-", StringComparison.Ordinal));
        (await _cluster.Client.RbacAuthorizationV1.ListClusterRoleAsync(labelSelector: "app.kubernetes.io/instance=supercloud")).Items.Should().BeEmpty();
        (await _cluster.Client.CoreV1.ListNamespacedSecretAsync(Namespace)).Items.Should().NotContain(s => s.Type == "helm.sh/release.v1");
        (await _cluster.Client.AdmissionregistrationV1.ListValidatingAdmissionPolicyAsync()).Items.Should().BeEmpty();
        (await _cluster.Client.AdmissionregistrationV1.ListValidatingAdmissionPolicyBindingAsync()).Items.Should().BeEmpty();

        // Helm never deletes what it installed from crds/: the SuperPods in the cluster survive an uninstall.
        (await _cluster.Client.ApiextensionsV1.ListCustomResourceDefinitionAsync()).Items.Should().Contain(c => c.Metadata.Name == "superpods.supercloud.dev");
    }

    [Fact]
    public async Task Helm_install_with_negative_operator_replicas_fails_naming_the_field()
    {
        var install = await HelmAsync("install", "supercloud", Chart, "-n", Namespace, "--create-namespace", "--set", "operator.replicas=-1");

        install.ExitCode.Should().NotBe(0, install.ToString());
        install.Stderr.Should().Contain("/operator/replicas").And.Contain("minimum");
        (await HelmAsync("list", "-n", Namespace, "-a", "-q")).Stdout.Should().BeEmpty("nothing is installed");
    }

    private async Task<KubectlRunner.Result> HelmAsync(params string[] args)
    {
        var info = new ProcessStartInfo(RepoPaths.Tool("helm")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--kubeconfig");
        info.ArgumentList.Add(_cluster.KubeconfigPath);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var variable in new[] { "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME" })
        {
            info.Environment[variable] = Path.Combine(_cluster.Directory, variable.ToLowerInvariant());
        }

        info.Environment["HOME"] = _cluster.Directory;
        using var process = Process.Start(info) ?? throw new InvalidOperationException("helm did not start");
        return await KubectlRunner.FinishAsync(process, TimeSpan.FromSeconds(60));
    }

    private static V1ClusterRole DeployedClusterRole(string component) =>
        KubernetesYaml.LoadAllFromString(File.ReadAllText(Path.Combine(RepoPaths.Root, component, "deploy", "rbac.yaml"))).OfType<V1ClusterRole>().Single();
}
