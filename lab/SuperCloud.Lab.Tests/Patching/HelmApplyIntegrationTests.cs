using System.Diagnostics;
using System.Text.Json.Nodes;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Patching;

/// <summary>Helm v4 (server-side apply by default) installing and upgrading a chart against the lab API server.</summary>
public sealed class HelmApplyIntegrationTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(TestCluster cluster, string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(RepoPaths.Tool(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["KUBECONFIG"] = cluster.KubeconfigPath;
        psi.Environment["HOME"] = cluster.Directory;
        psi.Environment["HELM_CACHE_HOME"] = Path.Combine(cluster.Directory, "helm-cache");
        psi.Environment["HELM_CONFIG_HOME"] = Path.Combine(cluster.Directory, "helm-config");
        psi.Environment["HELM_DATA_HOME"] = Path.Combine(cluster.Directory, "helm-data");
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Helm_install_and_upgrade_apply_changes_and_prune_dropped_keys()
    {
        await using var cluster = await TestCluster.StartAsync(withWidgets: false);
        var chart = Path.Combine(cluster.Directory, "chart");
        Directory.CreateDirectory(Path.Combine(chart, "templates"));
        await File.WriteAllTextAsync(Path.Combine(chart, "Chart.yaml"), "apiVersion: v2\nname: demo\nversion: 0.1.0\n");
        await File.WriteAllTextAsync(Path.Combine(chart, "values.yaml"), "image: nginx:1\nextra: true\n");
        await File.WriteAllTextAsync(Path.Combine(chart, "templates", "all.yaml"), """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: demo
            data:
              image: {{ .Values.image | quote }}
              {{- if .Values.extra }}
              extra: "yes"
              {{- end }}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: demo
            spec:
              selector: {matchLabels: {app: demo}}
              template:
                metadata: {labels: {app: demo}}
                spec:
                  containers:
                  - name: app
                    image: {{ .Values.image | quote }}
            """);

        var install = await RunAsync(cluster, "helm", "install", "demo", chart, "-n", "default");
        install.ExitCode.Should().Be(0, install.Stderr);
        var upgrade = await RunAsync(cluster, "helm", "upgrade", "demo", chart, "-n", "default", "--set", "image=nginx:2", "--set", "extra=false");
        upgrade.ExitCode.Should().Be(0, upgrade.Stderr);

        var cm = await RunAsync(cluster, "kubectl", "get", "configmap", "demo", "-n", "default", "-o", "json");
        cm.ExitCode.Should().Be(0, cm.Stderr);
        JsonNode.Parse(cm.Stdout)!["data"].ShouldEqualJson("""{"image":"nginx:2"}""");
        var managers = await RunAsync(cluster, "kubectl", "get", "configmap", "demo", "-n", "default", "-o", "json", "--show-managed-fields");
        managers.ExitCode.Should().Be(0, managers.Stderr);
        var entry = JsonNode.Parse(managers.Stdout)!["metadata"]!["managedFields"]!.AsArray().Single()!;
        (entry["manager"]!.GetValue<string>() + "/" + entry["operation"]!.GetValue<string>()).Should().Be("helm/Apply");
        entry["fieldsV1"]!["f:data"].Compact().Should().Be("""{"f:image":{}}""");
        var deploy = await RunAsync(cluster, "kubectl", "get", "deployment", "demo", "-n", "default", "-o", "json");
        deploy.ExitCode.Should().Be(0, deploy.Stderr);
        JsonNode.Parse(deploy.Stdout)!["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.GetValue<string>().Should().Be("nginx:2");
    }
}
