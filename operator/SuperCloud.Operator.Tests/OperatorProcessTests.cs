using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using k8s;
using SuperCloud.Operator.Tests.Lab;

namespace SuperCloud.Operator.Tests;

public sealed class OperatorProcessTests : IAsyncLifetime
{
    private LabServer _lab = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _lab = await LabServer.StartAsync();
        // The operator's controllers watch the SuperCloud kinds: readiness waits for their caches.
        await Controllers.SuperCloudHarness.InstallCrdsAsync(_lab.Client);
        _kubeconfig = Path.Combine(Path.GetTempPath(), $"supercloud-operator-test-{Guid.NewGuid():N}.kubeconfig");
        _lab.Server.WriteKubeconfig(_kubeconfig);
    }

    public async Task DisposeAsync()
    {
        File.Delete(_kubeconfig);
        await _lab.DisposeAsync();
    }

    [Fact]
    public async Task Sigterm_stops_the_process_cleanly_and_releases_the_lease()
    {
        var port = FreePort();
        var lines = new ConcurrentQueue<string>();
        using var process = Start(lines, "--kubeconfig", _kubeconfig, "--listen-address", $"http://127.0.0.1:{port}",
            "--leader-election-namespace", _lab.Namespace, "--Operator:LeaderElection:Identity", "replica-1");
        try
        {
            await Eventually.UntilAsync(() => LeaseHolder() == "replica-1", "the process took the lease", TimeSpan.FromSeconds(8));
            using var http = new HttpClient();
            (await http.GetAsync(new Uri($"http://127.0.0.1:{port}/readyz"))).StatusCode.Should().Be(HttpStatusCode.OK);

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(8));
            await process.WaitForExitAsync(exited.Token);
            process.ExitCode.Should().Be(0);
            LeaseHolder().Should().BeEmpty("a graceful stop hands the lease over at once");
            lines.Should().NotBeEmpty().And.OnlyContain(l => IsJsonObject(l), "logs are structured JSON, one event per line");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Bad_flag_value_exits_with_a_one_line_error_naming_the_setting()
    {
        var lines = new ConcurrentQueue<string>();
        using var process = Start(lines, "--kubeconfig", _kubeconfig, "--listen-address", "not-a-url");

        using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(8));
        await process.WaitForExitAsync(exited.Token);

        process.ExitCode.Should().Be(2);
        var stderr = await process.StandardError.ReadToEndAsync();
        stderr.Should().Contain("Operator:ListenAddress").And.Contain("not-a-url").And.NotContain(" at ");
    }

    private static Process Start(ConcurrentQueue<string> stdout, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "supercloud-operator.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["Logging__LogLevel__Default"] = "Information";
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (!string.IsNullOrEmpty(e.Data))
            {
                stdout.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsJsonObject(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private string? LeaseHolder()
    {
        try
        {
            return _lab.Client.CoordinationV1.ReadNamespacedLease("supercloud-operator", _lab.Namespace).Spec.HolderIdentity ?? string.Empty;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
