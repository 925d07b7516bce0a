using System.Diagnostics;
using System.Globalization;
using System.Text;
using SuperCloud.Lab.Tests.ApiServer;
using YamlDotNet.RepresentationModel;

namespace SuperCloud.Lab.Tests.Chart;

/// <summary>
/// The chart's Argo CD health checks (<c>charts/supercloud/argocd/KIND/health.lua</c>) run by lua5.1, Argo CD's Lua
/// dialect, against every case of their <c>health_test.yaml</c> (Argo CD's own format), with <c>obj</c> bound as Argo CD binds it.
/// </summary>
public sealed class ArgoCdHealthTests
{
    private const string Lua = "/usr/bin/lua5.1";
    private static readonly string ArgoCd = Path.Combine(RepoPaths.Root, "charts", "supercloud", "argocd");
    private static readonly string[] Kinds = ["SuperPod", "SuperPodMigration", "SuperNode"];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in Kinds)
        {
            foreach (var test in TestCases(kind))
            {
                data.Add(kind, test.InputPath);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Health_check_returns_the_status_and_message_its_test_case_expects(string kind, string inputPath)
    {
        var expected = TestCases(kind).Single(t => t.InputPath == inputPath);

        var (status, message) = await RunAsync(kind, inputPath);

        status.Should().Be(expected.Status, $"{kind}/{inputPath}");
        message.Should().Be(expected.Message, $"{kind}/{inputPath}");
    }

    [Fact]
    public void Every_kind_has_cases_for_its_healthy_and_degraded_states_and_superpods_and_migrations_for_progressing()
    {
        foreach (var kind in Kinds)
        {
            // A SuperNode is Progressing only before its agent's first report, which no lab run leaves to capture.
            TestCases(kind).Select(t => t.Status).Should().Contain(kind == "SuperNode" ? ["Healthy", "Degraded", "Suspended"] : ["Healthy", "Progressing", "Degraded"], kind);
            foreach (var test in TestCases(kind))
            {
                File.Exists(Path.Combine(ArgoCd, kind, test.InputPath)).Should().BeTrue($"{kind}/{test.InputPath} exists");
            }
        }
    }

    [Theory]
    [InlineData("failed.yaml", "Degraded")]
    [InlineData("migrating.yaml", "Progressing")]
    [InlineData("running-ready.yaml", "Healthy")]
    public async Task SuperPod_failed_is_degraded_migrating_is_progressing_running_and_ready_is_healthy(string fixture, string status)
    {
        (await RunAsync("SuperPod", Path.Combine("testdata", fixture))).Status.Should().Be(status);
    }

    [Fact]
    public async Task Chart_renders_the_health_checks_as_argocd_cm_keys()
    {
        var info = new ProcessStartInfo(RepoPaths.Tool("helm")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "template", "sc", Path.Combine(RepoPaths.Root, "charts", "supercloud"), "-n", "tools", "--show-only", "templates/argocd-health.yaml" })
        {
            info.ArgumentList.Add(arg);
        }

        var home = Directory.CreateTempSubdirectory("helm-home-");
        try
        {
            foreach (var variable in new[] { "HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME", "HOME" })
            {
                info.Environment[variable] = home.FullName;
            }

            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            process.ExitCode.Should().Be(0, await stderr);
            var configMap = k8s.KubernetesYaml.Deserialize<k8s.Models.V1ConfigMap>(await stdout);
            configMap.Metadata.NamespaceProperty.Should().Be("tools");
            configMap.Data.Keys.Should().BeEquivalentTo(Kinds.Select(k => $"resource.customizations.health.supercloud.dev_{k}"));
            foreach (var kind in Kinds)
            {
                configMap.Data[$"resource.customizations.health.supercloud.dev_{kind}"].Should().Be(await File.ReadAllTextAsync(Path.Combine(ArgoCd, kind, "health.lua")));
            }
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    private static async Task<(string Status, string Message)> RunAsync(string kind, string inputPath)
    {
        File.Exists(Lua).Should().BeTrue("lua5.1 is installed by lab/setup.sh (Debian package lua5.1)");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(ArgoCd, kind, inputPath)))
        {
            yaml.Load(reader);
        }

        var script = new StringBuilder();
        script.Append("obj = ").Append(ToLua(yaml.Documents[0].RootNode)).Append('\n');
        script.Append("local check = assert(loadfile(").Append(Quote(Path.Combine(ArgoCd, kind, "health.lua"))).Append("))\n");
        script.Append("local hs = check()\n");
        script.Append("io.write(tostring(hs.status), '\\n', tostring(hs.message or ''))\n");
        var info = new ProcessStartInfo(Lua, "-") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(script.ToString());
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        process.ExitCode.Should().Be(0, await stderr);
        var lines = (await stdout).Split('\n', 2);
        return (lines[0], lines.Length > 1 ? lines[1] : "");
    }

    private static IReadOnlyList<(string InputPath, string Status, string Message)> TestCases(string kind)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(ArgoCd, kind, "health_test.yaml")))
        {
            yaml.Load(reader);
        }

        var tests = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode)["tests"];
        return [.. tests.Cast<YamlMappingNode>().Select(t =>
        {
            var health = (YamlMappingNode)t["healthStatus"];
            return (((YamlScalarNode)t["inputPath"]).Value!, ((YamlScalarNode)health["status"]).Value!, ((YamlScalarNode)health["message"]).Value ?? "");
        })];
    }

    // YAML as Argo CD hands it to Lua (through JSON): plain scalars that are numbers, booleans or null keep that type.
    private static string ToLua(YamlNode node) => node switch
    {
        YamlMappingNode map => "{" + string.Concat(map.Children.Select(c => $"[{Quote(((YamlScalarNode)c.Key).Value!)}] = {ToLua(c.Value)}, ")) + "}",
        YamlSequenceNode seq => "{" + string.Concat(seq.Children.Select(c => ToLua(c) + ", ")) + "}",
        YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar => Plain(scalar.Value),
        YamlScalarNode scalar => Quote(scalar.Value ?? ""),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    private static string Plain(string? value) => value switch
    {
        null or "" or "null" or "~" => "nil",
        "true" or "false" => value,
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d.ToString("R", CultureInfo.InvariantCulture),
        _ => Quote(value),
    };

    private static string Quote(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                _ when c < ' ' => $"\\{(int)c:D3}",
                _ => c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
