using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// Every file in examples/ works, unchanged, on a lab shaped like the one <c>make demo</c> starts (its clouds and hosts):
/// each applies, the SuperPods boot, and the example migration moves hello where it says.
/// </summary>
public sealed class ExamplesTests(ITestOutputHelper output) : IAsyncLifetime
{
    // lab/demo.sh's default LAB_CLOUDS.
    private const string DemoClouds = "aws-us-east-1:2,aws-eu-west-1:1,onprem:1";

    // Declarations first, then what uses them; the migration last, once hello runs.
    private static readonly string[] ApplyOrder =
        ["supercluster.yaml", "three-clouds.yaml", "supernode.yaml", "stubresource.yaml", "migrationpolicy.yaml", "superpod.yaml"];

    private readonly LabFixture _fixture = new(DemoClouds, null);

    private LabRun Lab => _fixture.Lab;

    public Task InitializeAsync() => _fixture.InitializeAsync();

    public Task DisposeAsync() => _fixture.DisposeAsync();

    [SkippableFact]
    public async Task Every_example_applies_unchanged_on_the_demo_lab_and_does_what_it_says()
    {
        Skip.If(_fixture.SkipReason is not null, _fixture.SkipReason);
        var examples = Path.Combine(RepoPaths.Root, "examples");
        Directory.GetFiles(examples, "*.yaml").Select(Path.GetFileName).Order()
            .Should().BeEquivalentTo([.. ApplyOrder, "superpodmigration.yaml"], "this test applies every example; a new one needs its expectations here");

        foreach (var file in ApplyOrder)
        {
            var applied = await Lab.KubectlAsync("apply", "-f", Path.Combine(examples, file));
            applied.ExitCode.Should().Be(0, $"examples/{file} applies on the demo lab: {applied}");
            output.WriteLine(applied.Stdout.Trim());
        }

        foreach (var pod in new[] { "hello", "analytics", "frontend" })
        {
            await Lab.UntilAsync(async () => (await Lab.GetAsync("superpod", pod, "-n", "default"))?["status"]?["phase"]?.GetValue<string>() == "Running",
                $"SuperPod {pod} of the examples is Running", TimeSpan.FromSeconds(180));
        }

        var hello = await Lab.GetAsync("superpod", "hello", "-n", "default");
        var cluster = hello!["status"]!["cluster"]!.GetValue<string>();
        cluster.Should().BeOneOf(["onprem", "aws-us-east-1", "aws-eu-west-1"], "hello's placement allows the clouds onprem and aws");
        hello["status"]!["ip"]!.GetValue<string>().Should().Be("10.200.0.10", "the address the example asks for");

        var migration = await Lab.KubectlAsync("apply", "-f", Path.Combine(examples, "superpodmigration.yaml"));
        migration.ExitCode.Should().Be(0, $"examples/superpodmigration.yaml applies: {migration}");
        JsonNode? done = null;
        await Lab.UntilAsync(async () =>
        {
            done = await Lab.GetAsync("superpodmigration", "hello-to-eu-west", "-n", "default");
            return done?["status"]?["phase"]?.GetValue<string>() is "Succeeded" or "Failed";
        }, "the example migration hello-to-eu-west ends", TimeSpan.FromSeconds(240));
        done!["status"]!["phase"]!.GetValue<string>().Should().Be("Succeeded", done["status"]!.ToJsonString());

        hello = await Lab.GetAsync("superpod", "hello", "-n", "default");
        hello!["status"]!["phase"]!.GetValue<string>().Should().Be("Running");
        hello["status"]!["cluster"]!.GetValue<string>().Should().Be("aws-eu-west-1", "the example migration's target cluster");
        hello["status"]!["ip"]!.GetValue<string>().Should().Be("10.200.0.10", "the address moves with the SuperPod");

        (await Lab.GetAsync("stubresource", "sensor-feed", "-n", "default")).Should().NotBeNull("examples/stubresource.yaml declared it");
        (await Lab.GetAsync("migrationpolicy", "batch-spot", "-n", "default")).Should().NotBeNull("examples/migrationpolicy.yaml declared it");
        var node = await Lab.GetAsync("supernode", "lab-node-1");
        node!["status"]?["conditions"]?.AsArray().Any(c => c?["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True")
            .Should().NotBe(true, "a hand-written SuperNode has no agent heartbeating for it, as examples/supernode.yaml says");
    }
}
