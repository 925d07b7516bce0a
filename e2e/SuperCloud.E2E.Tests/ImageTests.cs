using System.Security.Cryptography;
using System.Text.Json.Nodes;
using SuperCloud.Images;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// SuperPods boot from images in the lab's registries, never from host paths: the example applies unchanged, a disk image
/// boots with its cloud-init seed, host paths are refused at apply, and a corrupted blob boots nothing.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class ImageTests(LabFixture fixture, ITestOutputHelper output)
{
    private const string HostPathMessage = "host paths are not accepted";

    [SkippableFact]
    public async Task The_example_superpod_applies_unchanged_and_becomes_Ready_from_its_image()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        try
        {
            await fixture.Lab.MustAsync("apply", "-f", Path.Combine(RepoPaths.Root, "examples", "superpod.yaml"));

            await fixture.Lab.UntilAsync(async () => Condition(await Pod("hello"), "Ready")?["status"]?.GetValue<string>() == "True",
                "SuperPod hello is Ready", TimeSpan.FromSeconds(150));
            var pod = await Pod("hello");
            var image = pod!["status"]!["images"]!.AsArray().Single()!;
            image["image"]!.GetValue<string>().Should().Be("supercloud/test-guest:latest");
            image["resolved"]!.GetValue<string>().Should().MatchRegex(@"^10\.\d+\.1\.5:5000/supercloud/test-guest@sha256:[0-9a-f]{64}$",
                "resolved once at the first cloud's registry and pinned by digest");
            Condition(pod, "ImagesReady")!["reason"]!.GetValue<string>().Should().Be("Pulled");
            var node = pod["status"]!["node"]!.GetValue<string>();
            var agentLog = await File.ReadAllTextAsync(Path.Combine(fixture.Lab.HostDirectory(node), "agent.log"));
            agentLog.Should().MatchRegex($@"Pulled image \S+@{image["resolved"]!.GetValue<string>().Split('@')[1]} from 10\.\d+\.{CloudIndex(node)}\.5:5000",
                "the host pulls from its own cloud's registry");
        }
        finally
        {
            await fixture.Lab.KubectlAsync("delete", "-f", Path.Combine(RepoPaths.Root, "examples", "superpod.yaml"), "--wait=true", "--timeout=60s");
        }
    }

    [SkippableFact]
    public async Task A_disk_image_boots_with_a_cloud_init_seed_and_the_guest_prints_the_seeds_hostname()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const string Manifest = """
            apiVersion: supercloud.dev/v1alpha1
            kind: SuperPod
            metadata:
              name: seeded
              namespace: default
            spec:
              resources:
                cpu: "1"
                memory: 256Mi
              boot:
                image: supercloud/test-guest-disk:latest
              disks:
              - name: scratch
                size: 1Gi
              cloudInit:
                userData: |
                  #cloud-config
                  hostname: seeded-from-cloud-init
            """;
        try
        {
            await fixture.Lab.ApplyAsync(Manifest);
            await fixture.Lab.UntilAsync(async () => Roamer.Phase(await Pod("seeded")) == "Running", "SuperPod seeded runs", TimeSpan.FromSeconds(150));
            var pod = await Pod("seeded");
            var (node, uid) = (pod!["status"]!["node"]!.GetValue<string>(), pod["metadata"]!["uid"]!.GetValue<string>());
            var console = fixture.Lab.ConsoleLog(node, uid);
            await fixture.Lab.UntilAsync(() => Task.FromResult(LabRun.ReadShared(console).Contains("HEARTBEAT", StringComparison.Ordinal)),
                "the disk-booted guest prints heartbeats", TimeSpan.FromSeconds(120));
            LabRun.ReadShared(console).Should().Contain($"CLOUDINIT instance-id={uid} hostname=seeded-from-cloud-init");
            output.WriteLine(string.Join('\n', LabRun.ReadShared(console).Split('\n').Take(3)));
            var files = Directory.EnumerateFiles(fixture.Lab.VmDirectory(node, uid)).Select(Path.GetFileName).ToList();
            files.Should().Contain(["disk-boot.qcow2", "disk-scratch.qcow2", "cidata.img"]);
        }
        finally
        {
            await fixture.Lab.KubectlAsync("delete", "superpod", "seeded", "-n", "default", "--wait=true", "--timeout=60s");
        }
    }

    [SkippableTheory]
    [InlineData("    kernel: /var/lib/supercloud/node-agent/tls.key\n", "unknown field \"spec.boot.kernel\"")]
    [InlineData("    initrd: /etc/shadow\n", "unknown field \"spec.boot.initrd\"")]
    [InlineData("", "spec.boot.image: Invalid value: \"string\": must be an image reference")]
    [InlineData("  disks:\n  - name: data\n    image: /var/lib/supercloud/images/analytics.qcow2\n", "spec.disks[0].image: Invalid value: \"string\": must be an image reference")]
    public async Task A_superpod_naming_a_host_path_is_refused_at_apply_with_the_field_named_and_nothing_stored(string extra, string expected)
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var image = extra.Length == 0 ? "/var/lib/supercloud/images/vmlinuz" : "supercloud/test-guest:latest";
        var bootExtra = extra.StartsWith("    ", StringComparison.Ordinal) ? extra : "";
        var specExtra = extra.StartsWith("  disks", StringComparison.Ordinal) ? extra : "";
        var file = Path.Combine(Path.GetTempPath(), $"supercloud-e2e-hostpath-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, $"""
            apiVersion: supercloud.dev/v1alpha1
            kind: SuperPod
            metadata:
              name: sneaky
              namespace: default
            spec:
              resources:
                cpu: "1"
                memory: 128Mi
              boot:
                image: {image}
            {bootExtra}{specExtra}
            """);
        try
        {
            var applied = await fixture.Lab.KubectlAsync("apply", "-f", file);

            applied.ExitCode.Should().NotBe(0);
            applied.Stderr.Should().Contain(expected);
            if (extra.Length == 0 || specExtra.Length > 0)
            {
                applied.Stderr.Should().Contain(HostPathMessage);
            }

            (await fixture.Lab.KubectlAsync("get", "superpod", "sneaky", "-n", "default")).Stderr.Should().Contain("NotFound", "nothing was stored");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [SkippableFact]
    public async Task A_corrupted_blob_in_a_registry_is_refused_with_DigestMismatch_and_nothing_boots()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var registry = Registry("aws-us-east-1");
        using var client = new RegistryClient(new RegistryOptions { PlainHttp = [registry] }, TimeProvider.System);
        var kernel = Path.Combine(Path.GetTempPath(), $"supercloud-e2e-kernel-{Guid.NewGuid():N}");
        var bytes = RandomNumberGenerator.GetBytes(200_000);
        await File.WriteAllBytesAsync(kernel, bytes);
        try
        {
            await new VmImagePublisher(client).PublishAsync(registry, "tests/corrupted", "v1", new VmImageFiles(kernel, null, null, null), CancellationToken.None);
            var blob = Path.Combine(fixture.Lab.DataDir, "registries", "aws-us-east-1", "storage", "docker", "registry", "v2", "blobs", "sha256",
                Digest.Of(bytes).Hex[..2], Digest.Of(bytes).Hex, "data");
            bytes[100_000] ^= 0x10;
            await File.WriteAllBytesAsync(blob, bytes);

            await fixture.Lab.ApplyAsync(LabFixture.SuperPod("tampered", "    clusters: [aws-us-east-1]\n").Replace("supercloud/test-guest:latest", $"{registry}/tests/corrupted:v1", StringComparison.Ordinal));

            // The operator retries the pull (and says so) between refusals: the refusal is checked on the object that reported it.
            JsonNode? pod = null;
            await fixture.Lab.UntilAsync(async () => Condition(pod = await Pod("tampered"), "ImagesReady")?["reason"]?.GetValue<string>() == "DigestMismatch",
                "ImagesReady says DigestMismatch", TimeSpan.FromSeconds(90));
            Condition(pod, "Ready")!["status"]!.GetValue<string>().Should().Be("False");
            Condition(pod, "ImagesReady")!["message"]!.GetValue<string>().Should().Contain("corrupted or was tampered with");
            var node = pod!["status"]!["node"]!.GetValue<string>();
            Directory.Exists(fixture.Lab.VmDirectory(node, pod["metadata"]!["uid"]!.GetValue<string>())).Should().BeFalse("no VM was created from it");
            var events = await fixture.Lab.MustAsync("get", "events", "-n", "default", "--field-selector", "involvedObject.name=tampered", "-o", "json");
            events.Stdout.Should().Contain("DigestMismatch");
        }
        finally
        {
            File.Delete(kernel);
            await fixture.Lab.KubectlAsync("delete", "superpod", "tampered", "-n", "default", "--wait=true", "--timeout=60s");
        }
    }

    private Task<JsonNode?> Pod(string name) => fixture.Lab.GetAsync("superpod", name, "-n", "default");

    private static JsonNode? Condition(JsonNode? obj, string type) =>
        obj?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);

    // The lab writes each cloud's registry into its ready file: "registries aws-us-east-1=10.X.1.5:5000 ...".
    private string Registry(string cloud) =>
        File.ReadAllLines(Path.Combine(fixture.Lab.DataDir, "ready")).Single(l => l.StartsWith("registries ", StringComparison.Ordinal))
            .Split(' ').Skip(1).Select(e => e.Split('=')).Single(e => e[0] == cloud)[1];

    private static int CloudIndex(string node) => Array.IndexOf(["aws-us-east-1", "aws-eu-west-1", "onprem"], Roamer.CloudOf(node)) + 1;
}
