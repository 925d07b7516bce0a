using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// <c>kubectl supercloud</c> as a user runs it — the real kubectl finds the plugin on PATH, which uses the user's
/// kubeconfig: a migration followed to its end with a progress bar, the serial console through the API server's
/// aggregation layer (heartbeats out, a typed line echoed back by the guest), and a user without the console verb refused.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class KubectlPluginTests(LabFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan ConsoleTimeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Migrate_with_wait_moves_a_SuperPod_to_onprem_and_shows_its_progress_to_the_end()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "plugged", output);
        try
        {
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n");
            await pod.UnpinAsync();
            var before = pod.Mark(source);

            var migrate = await PluginAsync(fixture.Lab.Kubeconfig, "migrate", "plugged", "--to", "onprem", "--wait", "-n", "default");
            output.WriteLine(migrate.Stdout);

            migrate.ExitCode.Should().Be(0, migrate.ToString());
            var lines = migrate.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            lines[0].Should().MatchRegex($"^superpodmigration.supercloud.dev/plugged-migration-[a-z0-9]{{5}} created: SuperPod default/plugged from {source} to SuperCluster onprem$");
            lines.Should().Contain(l => l.StartsWith('[') && l.Contains("Transferring", StringComparison.Ordinal), "the bar is shown while memory is sent");
            lines.Should().Contain("[" + new string('#', 30) + "] 100%  Succeeded");
            lines[^1].Should().MatchRegex($"^SuperPod default/plugged moved from {source} \\(aws-us-east-1\\) to onprem-1 \\(onprem\\) in .+ \\(downtime .+\\)$");
            await pod.AssertRunsIntactOnAsync("onprem-1", before);

            var status = await PluginAsync(fixture.Lab.Kubeconfig, "status", "plugged");
            status.ExitCode.Should().Be(0, status.ToString());
            status.Stdout.Should().Contain("  Placement:      node onprem-1, cluster onprem, cloud onprem")
                .And.MatchRegex($"  Last migration: plugged-migration-[a-z0-9]{{5}} Succeeded \\(Manual\\) from {source} to onprem-1 in ");
            var cost = await PluginAsync(fixture.Lab.Kubeconfig, "cost");
            cost.ExitCode.Should().Be(0, cost.ToString());
            cost.Stdout.Should().MatchRegex("(?m)^plugged +onprem +\\S+ +onprem-1 ").And.Contain("CLOUD    SUPERCLUSTERS");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task Console_shows_the_guests_heartbeats_and_a_typed_line_comes_back_from_the_guest()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "talker", output);
        try
        {
            var host = await pod.StartAsync();
            var line = "typed-" + Guid.NewGuid().ToString("N")[..8];
            using var console = ConsoleSession.Start(fixture.Lab.Kubeconfig, "console", "talker");

            await console.UntilAsync(text => text.Contains("HEARTBEAT", StringComparison.Ordinal), "the guest's heartbeats reach the console");
            await console.WriteAsync(Encoding.ASCII.GetBytes(line + "\r"));
            await console.UntilAsync(text => text.Contains($"GUEST ECHO {line}", StringComparison.Ordinal), $"the guest echoes {line}");
            await console.WriteAsync([0x1d]);
            var exit = await console.WaitForExitAsync();

            exit.Should().Be(0, console.Diagnostics());
            console.Errors.Should().Contain("Successfully connected to SuperPod default/talker's console. The escape sequence is ^]").And.Contain("detached");
            File.ReadAllText(fixture.Lab.ConsoleLog(host, pod.Uid)).Should().Contain($"GUEST ECHO {line}", "the console log keeps what the session saw");
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task A_user_without_the_console_verb_is_refused_and_one_with_it_is_let_in()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "guarded", output);
        var lab = fixture.Lab;
        try
        {
            await pod.StartAsync();
            await lab.ApplyAsync("""
                apiVersion: v1
                kind: ServiceAccount
                metadata: {name: sp-viewer, namespace: default}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: sp-viewer, namespace: default}
                rules:
                - apiGroups: [supercloud.dev]
                  resources: [superpods, superpodmigrations]
                  verbs: [get, list]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: sp-viewer, namespace: default}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: sp-viewer}
                subjects:
                - {kind: ServiceAccount, name: sp-viewer, namespace: default}
                """);
            var viewer = await KubeconfigForAsync("sp-viewer");

            var status = await PluginAsync(viewer, "status", "guarded");
            status.ExitCode.Should().Be(0, "the viewer may read SuperPods: " + status);
            var refused = await PluginAsync(viewer, "console", "guarded");
            refused.ExitCode.Should().Be(1, refused.ToString());
            refused.Stderr.Trim().Should().Be(
                "error: superpods.subresources.supercloud.dev \"guarded\" is forbidden: User \"system:serviceaccount:default:sp-viewer\" cannot get resource \"superpods/console\" in API group \"subresources.supercloud.dev\" in the namespace \"default\"");

            await lab.ApplyAsync("""
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: sp-console, namespace: default}
                rules:
                - apiGroups: [subresources.supercloud.dev]
                  resources: [superpods/console]
                  verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: sp-console, namespace: default}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: sp-console}
                subjects:
                - {kind: ServiceAccount, name: sp-viewer, namespace: default}
                """);
            using var console = ConsoleSession.Start(viewer, "console", "guarded");
            await console.UntilAsync(text => text.Contains("HEARTBEAT", StringComparison.Ordinal), "the granted user sees the guest's heartbeats");
            await console.WriteAsync([0x1d]);
            (await console.WaitForExitAsync()).Should().Be(0, console.Diagnostics());
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await lab.KubectlAsync("delete", "rolebinding,role,serviceaccount", "sp-viewer", "-n", "default", "--ignore-not-found");
            await lab.KubectlAsync("delete", "rolebinding,role", "sp-console", "-n", "default", "--ignore-not-found");
            await pod.DeleteAsync();
        }
    }

    // The real kubectl, which finds kubectl-supercloud on PATH and hands it the environment (KUBECONFIG), not its flags.
    private static Task<CommandResult> PluginAsync(string kubeconfig, params string[] args) =>
        Commands.RunAsync(RepoPaths.Kubectl, ["supercloud", .. args], Environment(kubeconfig), TimeSpan.FromSeconds(240));

    private static Dictionary<string, string> Environment(string kubeconfig) => new()
    {
        ["KUBECONFIG"] = kubeconfig,
        ["PATH"] = Path.GetDirectoryName(RepoPaths.KubectlPlugin) + ":" + System.Environment.GetEnvironmentVariable("PATH"),
    };

    // A kubeconfig for a ServiceAccount: the lab's server and CA with a token from the TokenRequest API.
    private async Task<string> KubeconfigForAsync(string account)
    {
        var token = (await fixture.Lab.MustAsync("create", "token", account, "-n", "default")).Stdout.Trim();
        var admin = JsonNode.Parse((await fixture.Lab.MustAsync("config", "view", "--raw", "--minify", "-o", "json")).Stdout)!;
        var cluster = admin["clusters"]![0]!["cluster"]!;
        var path = Path.Combine(fixture.Lab.DataDir, $"kubeconfig-{account}");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: lab
              cluster:
                server: {cluster["server"]}
                certificate-authority-data: {cluster["certificate-authority-data"]}
            users:
            - name: {account}
              user:
                token: {token}
            contexts:
            - name: {account}
              context: {"{"}cluster: lab, user: {account}, namespace: default{"}"}
            current-context: {account}
            """);
        return path;
    }

    /// <summary>A running <c>kubectl supercloud console</c> with its stdin, stdout and stderr in the test's hands.</summary>
    private sealed class ConsoleSession : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _errors = new();
        private readonly Task _reading;

        private ConsoleSession(Process process)
        {
            _process = process;
            _reading = Task.WhenAll(
                Task.Run(() => Pump(process.StandardOutput.BaseStream, _output)),
                Task.Run(() => Pump(process.StandardError.BaseStream, _errors)));
        }

        public string Errors
        {
            get
            {
                lock (_errors)
                {
                    return _errors.ToString();
                }
            }
        }

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static ConsoleSession Start(string kubeconfig, params string[] args)
        {
            var info = new ProcessStartInfo(RepoPaths.Kubectl) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add("supercloud");
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            foreach (var (key, value) in Environment(kubeconfig))
            {
                info.Environment[key] = value;
            }

            return new ConsoleSession(Process.Start(info) ?? throw new InvalidOperationException("kubectl supercloud console did not start"));
        }

        public Task UntilAsync(Func<string, bool> condition, string what) =>
            Poll.UntilAsync(() => Task.FromResult(condition(Output)), ConsoleTimeout, what, Diagnostics);

        public async Task WriteAsync(byte[] bytes)
        {
            await _process.StandardInput.BaseStream.WriteAsync(bytes);
            await _process.StandardInput.BaseStream.FlushAsync();
        }

        public async Task<int> WaitForExitAsync()
        {
            using var timeout = new CancellationTokenSource(ConsoleTimeout);
            await _process.WaitForExitAsync(timeout.Token);
            await _reading;
            return _process.ExitCode;
        }

        public string Diagnostics() => $"\n--- console stdout (last 2000 chars):\n{Tail(Output)}\n--- stderr:\n{Errors}";

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;

        private static async Task Pump(Stream stream, StringBuilder into)
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                var text = Encoding.UTF8.GetString(buffer, 0, read);
                lock (into)
                {
                    into.Append(text);
                }
            }
        }
    }
}
