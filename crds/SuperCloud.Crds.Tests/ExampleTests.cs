using System.Text.Json.Nodes;
using k8s;
using SuperCloud.Crds.Tests.Validation;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Crds.Tests;

public sealed class ExampleTests
{
    public static TheoryData<string> Files => [.. FileNames()];

    private static List<string> FileNames() =>
        [.. Directory.EnumerateFiles(RepoPaths.Examples, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void There_is_an_example_for_every_kind_and_a_three_cloud_setup()
    {
        FileNames().Should().BeEquivalentTo(
            "superpod.yaml", "superpodmigration.yaml", "migrationpolicy.yaml", "stubresource.yaml",
            "supercluster.yaml", "supernode.yaml", "three-clouds.yaml");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_example_is_valid_against_the_generated_crds(string file)
    {
        var documents = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file)));

        documents.Should().NotBeEmpty();
        foreach (var document in documents)
        {
            ManifestValidator.Validate(document).Should().BeEmpty($"{file}: {document["kind"]} {document["metadata"]?["name"]}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_example_passes_a_json_schema_validator_for_the_openapi_subset(string file)
    {
        // An independent implementation of the OpenAPI keywords (JsonSchema.Net), beside the lab API server's.
        foreach (var document in YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file))))
        {
            var schema = CrdCatalog.SchemaOf(document["kind"]!.GetValue<string>());
            OpenApiSchemaValidator.Validate(schema, document).Should().BeEmpty($"{file}: {document["kind"]} {document["metadata"]?["name"]}");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_example_round_trips_through_the_CSharp_types_without_losing_or_changing_a_field(string file)
    {
        // Serializing the typed object gives back the manifest: every field the example sets has a C# home and keeps its value.
        foreach (var document in YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file))))
        {
            var json = document.ToJsonString();
            var again = document["kind"]!.GetValue<string>() switch
            {
                SuperPod.KubeKind => KubernetesJson.Serialize(KubernetesJson.Deserialize<SuperPod>(json)),
                SuperPodMigration.KubeKind => KubernetesJson.Serialize(KubernetesJson.Deserialize<SuperPodMigration>(json)),
                MigrationPolicy.KubeKind => KubernetesJson.Serialize(KubernetesJson.Deserialize<MigrationPolicy>(json)),
                StubResource.KubeKind => KubernetesJson.Serialize(KubernetesJson.Deserialize<StubResource>(json)),
                SuperCluster.KubeKind => KubernetesJson.Serialize(KubernetesJson.Deserialize<SuperCluster>(json)),
                SuperNode.KubeKind => KubernetesJson.Serialize(KubernetesJson.Deserialize<SuperNode>(json)),
                var other => throw new InvalidDataException($"{file}: unknown kind {other}"),
            };
            JsonNode.DeepEquals(JsonNode.Parse(again), QuantitiesAsStrings(document.DeepClone())).Should().BeTrue($"{file}: {document["kind"]} {document["metadata"]?["name"]} read back as\n{again}\nfrom\n{json}");
        }
    }

    [Fact]
    public void SuperPod_example_reads_as_written()
    {
        var pod = Single<SuperPod>("superpod.yaml");

        pod.Metadata.Name.Should().Be("hello");
        pod.Metadata.Labels.Should().Equal(new Dictionary<string, string> { ["app"] = "hello" });
        pod.Spec.Resources.Cpu.ToDecimal().Should().Be(1m);
        pod.Spec.Resources.Memory.ToDecimal().Should().Be(256m * 1024 * 1024);
        pod.Spec.Boot.Image.Should().Be("supercloud/test-guest:latest");
        pod.Spec.Boot.Cmdline.Should().Be("console=ttyS0 quiet");
        pod.Spec.Disks.Should().BeNull();
        pod.Spec.CloudInit.Should().BeNull();
        pod.Spec.Networks.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Name = "eth0", Ip = "10.200.0.10", Mac = "52:54:00:12:34:56", Overlay = (string?)null });
        pod.Spec.Placement!.Clouds.Should().Equal(CloudProvider.OnPrem, CloudProvider.Aws);
        pod.Spec.Placement.Spot.Should().Be(SpotPolicy.Forbidden);
        pod.Spec.Stubs.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Name = "sensor-feed", Optional = (bool?)null });
        pod.Spec.RunStrategy.Should().Be(RunStrategy.Always);
    }

    [Fact]
    public void SuperPodMigration_example_reads_as_written_and_leaves_the_node_to_the_scheduler_and_the_other_limits_to_the_policy()
    {
        var migration = Single<SuperPodMigration>("superpodmigration.yaml");

        migration.Spec.SuperPod.Should().Be("hello");
        migration.Spec.Target.Should().BeEquivalentTo(new MigrationTarget { Cluster = "aws-eu-west-1" });
        migration.Spec.Reason.Should().Be(MigrationReason.Manual);
        migration.Spec.Limits!.Bandwidth!.ToDecimal().Should().Be(64m * 1024 * 1024);
        migration.Spec.Limits.ProgressTimeout.Should().Be("60s");
        migration.Spec.Limits.AllowAutoConverge.Should().BeTrue();
        migration.Spec.Limits.Should().BeEquivalentTo(new { MaxDowntime = (string?)null, CompletionTimeoutPerGiB = (string?)null, AllowPostCopy = (bool?)null });
    }

    [Fact]
    public void MigrationPolicy_example_reads_as_written()
    {
        var policy = Single<MigrationPolicy>("migrationpolicy.yaml");

        policy.Metadata.Name.Should().Be("batch-spot");
        policy.Spec.Selectors!.SuperPodSelector!.MatchLabels.Should().Equal(new Dictionary<string, string> { ["workload"] = "batch" });
        policy.Spec.Selectors.NamespaceSelector.Should().BeNull();
        policy.Spec.Triggers.SpotPrice.Should().BeEquivalentTo(new SpotPriceTrigger { MinSavingPercent = 25, EvaluateAt = PriceEvaluation.BillingBoundary });
        policy.Spec.Triggers.SpotInterruption.Should().BeEquivalentTo(new SpotInterruptionTrigger { Enabled = true });
        policy.Spec.Triggers.FollowTheSun.Should().BeNull();
        policy.Spec.Limits!.Bandwidth!.ToDecimal().Should().Be(128m * 1024 * 1024);
        policy.Spec.Limits.MaxDowntime.Should().Be("500ms");
        policy.Spec.Cooldown.Should().Be("30m");
        policy.Spec.DailyBudget.Should().Be(6);
        policy.Spec.Priority.Should().Be(10);
    }

    [Fact]
    public void StubResource_example_reads_as_written()
    {
        var stub = Single<StubResource>("stubresource.yaml");

        stub.Metadata.Name.Should().Be("sensor-feed");
        stub.Spec.Type.Should().Be(StubType.Device);
        stub.Spec.Location.Should().BeEquivalentTo(new StubLocation { Cloud = CloudProvider.OnPrem, Cluster = "onprem", Node = "onprem-1" });
        stub.Spec.Endpoint.Should().BeEquivalentTo(new StubEndpoint { Host = "192.168.50.10", Port = 9000, Protocol = TransportProtocol.Tcp });
        stub.Spec.LocalAddress.Should().BeEquivalentTo(new LocalAddress { Ip = "169.254.100.1", Port = 9000 });
        stub.Spec.Access.Should().Be(StubAccess.Proxy);
    }

    [Fact]
    public void SuperCluster_example_reads_as_written()
    {
        var cluster = Single<SuperCluster>("supercluster.yaml");

        cluster.Metadata.Name.Should().Be("lab");
        cluster.Spec.Provider.Should().Be(CloudProvider.OnPrem);
        cluster.Spec.Region.Should().Be("lab");
        cluster.Spec.Pricing.Should().BeEquivalentTo(new Pricing
        {
            Currency = "USD",
            OnDemand = new PriceRates { PerVcpuHour = "0.01", PerGiBHour = "0.001" },
            BillingPeriod = "1h",
        });
        cluster.Spec.Latency.Should().BeEquivalentTo(
            [new LatencyEntry { Location = "us-east-1", LatencyMs = 20 }, new LatencyEntry { Location = "eu-west-1", LatencyMs = 90 }],
            o => o.WithStrictOrdering());
        cluster.Spec.Overlay.Should().BeEquivalentTo(new OverlaySettings { VniRangeStart = 4096, VniRangeEnd = 8191, Mtu = 1450 });
    }

    [Fact]
    public void SuperNode_example_reads_as_two_qemu_hosts_the_second_tainted_for_maintenance()
    {
        var nodes = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, "supernode.yaml")))
            .Select(d => KubernetesJson.Deserialize<SuperNode>(d.ToJsonString())).ToList();

        nodes.Select(n => n.Metadata.Name).Should().Equal("lab-node-1", "lab-node-2");
        nodes.Should().AllSatisfy(n =>
        {
            n.Metadata.Labels.Should().Equal(new Dictionary<string, string> { ["supercloud.dev/cluster"] = "lab" });
            n.Spec.Cluster.Should().Be("lab");
            n.Spec.Hypervisor.Should().Be(Hypervisor.Qemu);
            n.Spec.Accelerator.Should().Be(Accelerator.Tcg);
            n.Spec.Spot.Should().BeFalse();
            n.Spec.AgentEndpoint.Should().Be($"{n.Spec.UnderlayIp}:7443");
        });
        nodes.Select(n => n.Spec.UnderlayIp).Should().Equal("10.99.0.1", "10.99.0.2");
        nodes[0].Spec.Taints.Should().BeNull();
        nodes[1].Spec.Taints.Should().ContainSingle().Which.Should().BeEquivalentTo(new { Key = "supercloud.dev/maintenance", Value = "true", Effect = "PreferNoSchedule" });
    }

    [Theory]
    [InlineData("superpod.yaml", "spec.resources.memory", "\"0\"")]
    [InlineData("superpod.yaml", "spec.networks.0.ip", "\"10.200.0.300\"")]
    [InlineData("superpodmigration.yaml", "spec.limits.progressTimeout", "\"soon\"")]
    [InlineData("migrationpolicy.yaml", "spec.triggers.spotPrice.minSavingPercent", "250")]
    [InlineData("stubresource.yaml", "spec.endpoint.port", "70000")]
    [InlineData("supercluster.yaml", "spec.overlay.vniRangeEnd", "100")]
    public void An_example_with_one_field_broken_fails_the_same_validation(string file, string path, string value)
    {
        // The validation the examples pass is the one that rejects a bad value (schema or CEL), with the field named.
        var document = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file)))[0];
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate((JsonNode)document, (node, part) => int.TryParse(part, out var i) ? node[i]! : node[part]!);
        parent[parts[^1]] = JsonNode.Parse(value);

        var errors = ManifestValidator.Validate(document);

        errors.Should().NotBeEmpty($"{path}: {value} is not allowed");
        string.Join("\n", errors).Should().Contain(path.Split('.')[^1], "the error names the field");
    }

    // A quantity may be written as a YAML number (cpu: 1); like kube, the types give it back as its canonical string.
    private static JsonNode QuantitiesAsStrings(JsonNode node)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.ToList())
            {
                obj[key] = key is "cpu" or "memory" or "bandwidth" && value is JsonValue number && number.GetValueKind() == System.Text.Json.JsonValueKind.Number
                    ? number.ToJsonString()
                    : value is null ? null : QuantitiesAsStrings(value.DeepClone());
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                array[i] = array[i] is { } item ? QuantitiesAsStrings(item.DeepClone()) : null;
            }
        }

        return node;
    }

    private static T Single<T>(string file)
    {
        var documents = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file)));
        documents.Should().ContainSingle(file);
        return KubernetesJson.Deserialize<T>(documents[0].ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Namespaced_examples_live_in_default_and_cluster_scoped_ones_have_no_namespace(string file)
    {
        foreach (var document in YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, file))))
        {
            var kind = document["kind"]!.GetValue<string>();
            var ns = document["metadata"]?["namespace"]?.GetValue<string>();
            var scope = CrdCatalog.All[kind]["spec"]!["scope"]!.GetValue<string>();
            if (scope == "Cluster")
            {
                ns.Should().BeNull($"{file}: {kind} is cluster-scoped");
            }
            else
            {
                ns.Should().BeOneOf([null, "default"], $"{file}: {kind}");
            }
        }
    }

    [Fact]
    public void Three_clouds_has_two_aws_regions_an_onprem_cluster_a_spot_policy_a_stub_and_two_superpods()
    {
        var documents = YamlJson.ReadDocuments(File.ReadAllText(Path.Combine(RepoPaths.Examples, "three-clouds.yaml")));
        List<string> OfKind(string kind) =>
            [.. documents.Where(d => d["kind"]!.GetValue<string>() == kind).Select(d => d.ToJsonString())];
        var clusters = OfKind(SuperCluster.KubeKind).Select(d => KubernetesJson.Deserialize<SuperCluster>(d).Spec).ToList();
        var policies = OfKind(MigrationPolicy.KubeKind).Select(d => KubernetesJson.Deserialize<MigrationPolicy>(d).Spec).ToList();

        clusters.Where(c => c.Provider == CloudProvider.Aws).Select(c => c.Region).Should().BeEquivalentTo("us-east-1", "eu-west-1");
        clusters.Should().ContainSingle(c => c.Provider == CloudProvider.OnPrem);
        policies.Should().ContainSingle(p => p.Triggers.SpotPrice != null && p.Triggers.SpotInterruption != null);
        OfKind(StubResource.KubeKind).Should().ContainSingle();
        OfKind(SuperPod.KubeKind).Should().HaveCount(2);
    }
}
