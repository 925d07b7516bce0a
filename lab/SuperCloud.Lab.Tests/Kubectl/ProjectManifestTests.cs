using SuperCloud.Lab.Tests.ApiServer;

namespace SuperCloud.Lab.Tests.Kubectl;

/// <summary>The project's generated CRDs and its examples applied with the real kubectl, when they exist.</summary>
public sealed class ProjectManifestTests : IAsyncLifetime
{
    private TestCluster _cluster = null!;
    private KubectlRunner _kubectl = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestCluster.StartAsync(withWidgets: false);
        _kubectl = new KubectlRunner(_cluster);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Generated_crds_and_examples_apply_and_are_listed()
    {
        var crds = Path.Combine(RepoPaths.Root, "crds", "generated");
        var examples = Path.Combine(RepoPaths.Root, "examples");
        Directory.EnumerateFiles(crds, "*.yaml").Should().NotBeEmpty("crds/generated holds the project's CRDs");

        var applied = await _kubectl.RunAsync("apply", "-f", crds);
        applied.ExitCode.Should().Be(0, applied.ToString());
        applied.Stdout.Should().Contain("customresourcedefinition.apiextensions.k8s.io/superpods.supercloud.dev created");
        var serverSide = await _kubectl.RunAsync("apply", "--server-side", "-f", crds);
        serverSide.ExitCode.Should().Be(0, serverSide.ToString());

        if (Directory.EnumerateFiles(examples, "*.yaml").Any())
        {
            var result = await _kubectl.RunAsync("apply", "-f", examples);
            result.ExitCode.Should().Be(0, result.ToString());
            result.Stdout.Should().Contain(" created");
        }

        var explain = await _kubectl.RunAsync("explain", "superpod.spec");
        explain.ExitCode.Should().Be(0, explain.ToString());
        explain.Stdout.Should().Contain("KIND:       SuperPod");
        var get = await _kubectl.RunAsync("get", "superpods,superclusters,supernodes,migrationpolicies", "-A");
        get.ExitCode.Should().Be(0, get.ToString());
    }
}
