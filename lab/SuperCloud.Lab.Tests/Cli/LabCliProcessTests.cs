using System.Diagnostics;
using System.Text.Json.Nodes;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Cli;

/// <summary>The built <c>supercloud-lab apiserver</c> as a real process: kubeconfig, kubectl, SIGTERM, restart from the store log, usage errors.</summary>
public sealed class LabCliProcessTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "lab-cli-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static int FreePort() => CliProcess.FreePort();

    private static Process StartCli(params string[] args) => CliProcess.Start(args);

    private static Task WaitReadyAsync(Process process, int port, Task<string> stderr) => CliProcess.WaitReadyAsync(process, port, stderr, Deadline);

    private static async Task<int> TerminateAsync(Process process)
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(Deadline);
        await process.WaitForExitAsync(cts.Token);
        return process.ExitCode;
    }

    private async Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(params string[] args)
    {
        var info = new ProcessStartInfo(RepoPaths.Tool("kubectl")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--kubeconfig", Path.Combine(_dataDir, "kubeconfig"), "--cache-dir", Path.Combine(_dataDir, "kube-cache") }.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["HOME"] = _dataDir;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Deadline);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Apiserver_serves_kubectl_exits_0_on_SIGTERM_and_restarts_with_its_objects()
    {
        var port = FreePort();
        using (var first = StartCli("apiserver", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", _dataDir))
        {
            var stdout = first.StandardOutput.ReadToEndAsync();
            var stderr = first.StandardError.ReadToEndAsync();
            try
            {
                await WaitReadyAsync(first, port, stderr);
                File.Exists(Path.Combine(_dataDir, "kubeconfig")).Should().BeTrue();

                var namespaces = await KubectlAsync("get", "namespaces", "-o", "name");
                namespaces.ExitCode.Should().Be(0, namespaces.Stderr);
                namespaces.Stdout.Should().Contain("namespace/default").And.Contain("namespace/kube-system");

                var created = await KubectlAsync("create", "configmap", "survivor", "-n", "default", "--from-literal=key=kept");
                created.ExitCode.Should().Be(0, created.Stderr);
            }
            finally
            {
                if (!first.HasExited)
                {
                    (await TerminateAsync(first)).Should().Be(0, await stderr);
                }
            }

            await stdout;
            File.Exists(Path.Combine(_dataDir, "apiserver-store.log")).Should().BeTrue("the server keeps its objects in the store log");
        }

        var secondPort = FreePort();
        using var second = StartCli("apiserver", "--port", secondPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", _dataDir);
        var secondStdout = second.StandardOutput.ReadToEndAsync();
        var secondStderr = second.StandardError.ReadToEndAsync();
        try
        {
            await WaitReadyAsync(second, secondPort, secondStderr);
            var kept = await KubectlAsync("get", "configmap", "survivor", "-n", "default", "-o", "json");
            kept.ExitCode.Should().Be(0, kept.Stderr);
            JsonNode.Parse(kept.Stdout)!["data"]!["key"]!.GetValue<string>().Should().Be("kept");
        }
        finally
        {
            if (!second.HasExited)
            {
                (await TerminateAsync(second)).Should().Be(0);
            }

            await secondStdout;
        }
    }

    [Theory]
    [InlineData("apiserver", "--port", "not-a-port")]
    [InlineData("apiserver", "--bogus")]
    [InlineData("serve")]
    public async Task Bad_arguments_exit_2_with_usage(params string[] args)
    {
        using var process = StartCli(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Deadline);
        await process.WaitForExitAsync(cts.Token);

        process.ExitCode.Should().Be(2);
        (await stderr).Should().Contain("usage: supercloud-lab apiserver");
        await stdout;
    }

    [Theory]
    [InlineData("--clouds \"aws-us-east-1:x\": host count must be a positive integer", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "aws-us-east-1:x")]
    [InlineData("flag --clouds is required", "up", "--data-dir", "/tmp/unused-lab")]
    [InlineData("--port \"70000\": must be an integer between 0 and 65535", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "onprem:1", "--port", "70000")]
    [InlineData("--subnet \"10.1.2.0/24\": must be an IPv4 /16", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "onprem:1", "--subnet", "10.1.2.0/24")]
    [InlineData("--lease-duration \"1s\": must be at least 2s", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "onprem:1", "--lease-duration", "1s")]
    [InlineData("--install \"kustomize\": must be manifests or chart", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "onprem:1", "--install", "kustomize")]
    [InlineData("--install chart: give one cloud (the chart's agents form one SuperCluster), got 2", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "onprem:1,aws-us-east-1:1", "--install", "chart")]
    [InlineData("--chart and --helm-set go with --install chart", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "onprem:1", "--helm-set", "a=b")]
    [InlineData("--helm-set \"operator.replicas\": each setting must be KEY=VALUE", "up", "--data-dir", "/tmp/unused-lab", "--clouds", "onprem:1", "--install", "chart", "--helm-set", "a=b;operator.replicas")]
    [InlineData("unknown flag \"--hosts\"", "up", "--data-dir", "/tmp/unused-lab", "--hosts", "3")]
    [InlineData("agent needs an action: stop, kill or start, got \"restart\"", "agent", "restart", "--data-dir", "/tmp/unused-lab", "--host", "h")]
    [InlineData("--rate \"fast\": must be a positive rate", "link", "--data-dir", "/tmp/unused-lab", "--cloud", "onprem", "--rate", "fast")]
    [InlineData("link needs exactly one of --cloud CLOUD", "link", "--data-dir", "/tmp/unused-lab", "--cut", "a,b", "--restore", "a,b")]
    [InlineData("--cut \"onprem\": must name two clouds as A,B", "link", "--data-dir", "/tmp/unused-lab", "--cut", "onprem")]
    [InlineData("link needs exactly one of --cloud CLOUD (with --rate RATE or --clear), --cut A,B, --restore A,B, --isolate HOST or --rejoin HOST",
        "link", "--data-dir", "/tmp/unused-lab", "--isolate", "onprem-1", "--rejoin", "onprem-1")]
    [InlineData("link needs exactly one of", "link", "--data-dir", "/tmp/unused-lab", "--isolate", "onprem-1", "--cut", "a,b")]
    [InlineData("--isolate takes no --rate or --clear", "link", "--data-dir", "/tmp/unused-lab", "--isolate", "onprem-1", "--clear")]
    [InlineData("--rejoin takes no --rate or --clear", "link", "--data-dir", "/tmp/unused-lab", "--rejoin", "onprem-1", "--rate", "10mbit")]
    [InlineData("--rejoin \"onprem-1,aws-1\": must name one host", "link", "--data-dir", "/tmp/unused-lab", "--rejoin", "onprem-1,aws-1")]
    [InlineData("flag --isolate is required", "link", "--data-dir", "/tmp/unused-lab", "--isolate", "")]
    public async Task Bad_lab_arguments_exit_2_naming_the_flag_and_value_and_create_nothing(string message, params string[] args)
    {
        using var process = StartCli(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Deadline);
        await process.WaitForExitAsync(cts.Token);

        process.ExitCode.Should().Be(2, await stderr);
        (await stderr).Should().Contain(message);
        await stdout;
        Directory.Exists("/tmp/unused-lab").Should().BeFalse("bad arguments change nothing");
    }
}
