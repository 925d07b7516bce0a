using System.Diagnostics;
using k8s;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Kubectl;

/// <summary>The real helm v4 installs, upgrades and uninstalls a typical chart (`helm create`) against the lab server.</summary>
public sealed class HelmTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await TestCluster.StartAsync(withWidgets: false);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

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
        using var process = Process.Start(info)!;
        return await KubectlRunner.FinishAsync(process, TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task Helm_install_upgrade_and_uninstall_a_typical_chart()
    {
        var chart = Path.Combine(_cluster.Directory, "demo-chart");
        (await HelmAsync("create", chart)).ExitCode.Should().Be(0);

        var install = await HelmAsync("install", "demo", chart, "-n", "apps", "--create-namespace");
        install.ExitCode.Should().Be(0, install.ToString());
        install.Stdout.Should().Contain("STATUS: deployed");
        (await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("demo-demo-chart", "apps")).Spec.Replicas.Should().Be(1);
        (await _cluster.Client.CoreV1.ReadNamespacedServiceAsync("demo-demo-chart", "apps")).Spec.ClusterIP.Should().StartWith("10.96.");

        var upgrade = await HelmAsync("upgrade", "demo", chart, "-n", "apps", "--set", "replicaCount=3");
        upgrade.ExitCode.Should().Be(0, upgrade.ToString());
        (await _cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("demo-demo-chart", "apps")).Spec.Replicas.Should().Be(3);
        (await HelmAsync("list", "-n", "apps")).Stdout.Should().MatchRegex(@"demo\s+apps\s+2\s+");

        var uninstall = await HelmAsync("uninstall", "demo", "-n", "apps");
        uninstall.ExitCode.Should().Be(0, uninstall.ToString());
        (await _cluster.Client.AppsV1.ListNamespacedDeploymentAsync("apps")).Items.Should().BeEmpty();
        (await _cluster.Client.CoreV1.ListNamespacedSecretAsync("apps")).Items.Should().NotContain(s => s.Type == "helm.sh/release.v1");
    }
}
