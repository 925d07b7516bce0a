using System.Text.Json.Nodes;
using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Kubectl;

/// <summary>The real kubectl v1.35 against the lab API server, asserting on what a user sees.</summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private KubectlRunner _kubectl = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(withWidgets: false);
        _kubectl = new KubectlRunner(_cluster);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private static string Data(string name) => RepoPaths.TestData(name);

    private async Task<KubectlRunner.Result> OkAsync(params string[] args)
    {
        var result = await _kubectl.RunAsync(args);
        result.ExitCode.Should().Be(0, result.ToString());
        return result;
    }

    private async Task ApplyCrdAsync(bool serverSide = false)
    {
        var result = serverSide
            ? await OkAsync("apply", "--server-side", "-f", Data("widgets-crd.yaml"))
            : await OkAsync("apply", "-f", Data("widgets-crd.yaml"));
        result.Stdout.Should().Contain("customresourcedefinition.apiextensions.k8s.io/widgets.lab.supercloud.dev");
    }

    [Fact]
    public async Task Apply_crd_then_object_and_get_wide_shows_the_printer_columns()
    {
        await ApplyCrdAsync();

        (await OkAsync("apply", "-f", Data("widget-small.yaml"))).Stdout.Should().Contain("widget.lab.supercloud.dev/small created");
        (await OkAsync("apply", "-f", Data("widget-small.yaml"))).Stdout.Should().Contain("widget.lab.supercloud.dev/small unchanged");

        var wide = await OkAsync("get", "widgets", "-o", "wide");
        var lines = wide.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().Equal("NAME", "SIZE", "PHASE", "COLOR", "AGE");
        lines[1].Should().MatchRegex(@"^small\s+2\s+blue\s+\d+s$");
        var narrow = await OkAsync("get", "wd");
        narrow.Stdout.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().Equal("NAME", "SIZE", "PHASE", "AGE");
    }

    [Fact]
    public async Task Server_side_apply_creates_then_reports_unchanged_and_records_managed_fields()
    {
        await ApplyCrdAsync(serverSide: true);

        (await OkAsync("apply", "--server-side", "-f", Data("widget-small.yaml"))).Stdout.Should().Contain("widget.lab.supercloud.dev/small serverside-applied");
        var yaml = await OkAsync("get", "widget", "small", "-o", "yaml", "--show-managed-fields");

        yaml.Stdout.Should().Contain("manager: kubectl").And.Contain("operation: Apply").And.Contain("f:size: {}");
    }

    [Fact]
    public async Task Explain_shows_the_crd_schema_descriptions()
    {
        await ApplyCrdAsync();

        var explain = await OkAsync("explain", "widget.spec");

        explain.Stdout.Should().Contain("KIND:       Widget").And.Contain("The desired state of the widget.")
            .And.Contain("size\t<integer> -required-").And.Contain("How big the widget is.");
    }

    [Fact]
    public async Task Wait_for_condition_Ready_returns_once_the_status_subresource_sets_it()
    {
        await ApplyCrdAsync();
        await OkAsync("apply", "-f", Data("widget-small.yaml"));
        using var wait = _kubectl.Start(false, "wait", "--for=condition=Ready", "widget/small", "--timeout=30s");

        var widget = await _cluster.GetWidgetAsync("small");
        widget["status"] = new JsonObject
        {
            ["phase"] = "Running",
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "Ready", ["status"] = "True", ["reason"] = "Up", ["message"] = "ready", ["lastTransitionTime"] = "2026-01-01T00:00:00Z",
            }),
        };
        await _cluster.ReplaceWidgetStatusAsync(widget);

        var result = await KubectlRunner.FinishAsync(wait, TimeSpan.FromSeconds(40));
        result.ExitCode.Should().Be(0, result.ToString());
        result.Stdout.Should().Contain("widget.lab.supercloud.dev/small condition met");
        (await OkAsync("get", "widget", "small")).Stdout.Should().MatchRegex(@"small\s+2\s+Running");
    }

    [Fact]
    public async Task Patch_merge_then_get_yaml_then_delete()
    {
        await ApplyCrdAsync();
        await OkAsync("apply", "-f", Data("widget-small.yaml"));

        (await OkAsync("patch", "widget", "small", "--type=merge", "-p", "{\"spec\":{\"size\":7}}")).Stdout.Should().Contain("widget.lab.supercloud.dev/small patched");
        var yaml = await OkAsync("get", "widget", "small", "-o", "yaml");
        yaml.Stdout.Should().Contain("size: 7").And.Contain("generation: 2").And.Contain("apiVersion: lab.supercloud.dev/v1");

        (await OkAsync("delete", "widget", "small")).Stdout.Should().Contain("widget.lab.supercloud.dev \"small\" deleted");
        var gone = await _kubectl.RunAsync("get", "widget", "small");
        gone.ExitCode.Should().NotBe(0);
        gone.Stderr.Should().Contain("Error from server (NotFound): widgets.lab.supercloud.dev \"small\" not found");
    }

    [Fact]
    public async Task Create_namespace_and_configmap_then_list_them()
    {
        (await OkAsync("create", "namespace", "team-a")).Stdout.Should().Contain("namespace/team-a created");
        (await OkAsync("create", "configmap", "settings", "-n", "team-a", "--from-literal=mode=fast")).Stdout.Should().Contain("configmap/settings created");

        (await OkAsync("get", "namespaces")).Stdout.Should().MatchRegex(@"team-a\s+Active");
        (await OkAsync("get", "configmap", "settings", "-n", "team-a", "-o", "jsonpath={.data.mode}")).Stdout.Should().Be("fast");
        var missing = await _kubectl.RunAsync("create", "configmap", "x", "-n", "nowhere");
        missing.ExitCode.Should().NotBe(0);
        missing.Stderr.Should().Contain("namespaces \"nowhere\" not found");
    }

    [Fact]
    public async Task Bad_manifests_are_rejected_with_a_message_naming_the_field()
    {
        await ApplyCrdAsync();

        var tooBig = await _kubectl.RunAsync("apply", "-f", Data("widget-bad.yaml"));
        tooBig.ExitCode.Should().NotBe(0);
        tooBig.Stderr.Should().Contain("The Widget \"too-big\" is invalid: spec.size: Invalid value: 42: spec.size in body should be less than or equal to 10");

        var unknown = await _kubectl.RunAsync(TimeSpan.FromSeconds(60), """
            apiVersion: lab.supercloud.dev/v1
            kind: Widget
            metadata:
              name: shaped
            spec:
              size: 1
              shape: round
            """, "apply", "-f", "-");
        unknown.ExitCode.Should().NotBe(0);
        unknown.Stderr.Should().Contain("Error from server (BadRequest): error when creating \"STDIN\": Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.shape\"");

        await OkAsync("apply", "-f", Data("widget-small.yaml"));
        var onUpdate = await _kubectl.RunAsync(TimeSpan.FromSeconds(60), """
            apiVersion: lab.supercloud.dev/v1
            kind: Widget
            metadata:
              name: small
            spec:
              size: 2
              shape: round
            """, "apply", "-f", "-");
        onUpdate.ExitCode.Should().NotBe(0);
        onUpdate.Stderr.Should().StartWith("The request is invalid: patch: Invalid value: \"{").And.Contain("strict decoding error: unknown field \"spec.shape\"");
    }

    [Fact]
    public async Task Get_watch_prints_a_row_for_the_object_and_another_when_it_changes()
    {
        await ApplyCrdAsync();
        await OkAsync("apply", "-f", Data("widget-small.yaml"));
        using var watch = _kubectl.Start(false, "get", "widgets", "-w");
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            var header = await watch.StandardOutput.ReadLineAsync(deadline.Token);
            header!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Should().Equal("NAME", "SIZE", "PHASE", "AGE");
            (await watch.StandardOutput.ReadLineAsync(deadline.Token)).Should().MatchRegex(@"^small\s+2\s");

            await OkAsync("patch", "widget", "small", "--type=merge", "-p", "{\"spec\":{\"size\":5}}");

            (await watch.StandardOutput.ReadLineAsync(deadline.Token)).Should().MatchRegex(@"^small\s+5\s");
        }
        finally
        {
            watch.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Scale_changes_replicas_through_the_scale_subresource()
    {
        var applied = await _kubectl.RunAsync(TimeSpan.FromSeconds(60), """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers: [{name: nginx, image: "nginx:1.27"}]
            """, "apply", "-f", "-");
        applied.ExitCode.Should().Be(0, applied.ToString());

        (await OkAsync("scale", "deployment", "web", "--replicas=5")).Stdout.Should().Contain("deployment.apps/web scaled");

        (await OkAsync("get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.metadata.generation}")).Stdout.Should().Be("5 2");
    }
}
