using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using SuperCloud.Lab.ApiServer;
using SuperCloud.Lab.ApiServer.Validation;

namespace SuperCloud.Lab.Tests.Validation;

/// <summary>Compiled CRD schemas are shared by concurrent requests: compiled once per served resource, never corrupted.</summary>
public sealed class ConcurrentAdmissionTests
{
    private static ApiResource SuperPod(string version) => new(
        "supercloud.dev", version, "SuperPod", "SuperPodList", "superpods", "superpod", true, [], [],
        ["create", "get", "list", "watch"], true, SchemaFixtures.SuperPod(), []);

    [Fact]
    public async Task Racing_requests_get_one_compiled_schema_per_resource_instance()
    {
        var admission = new CustomResourceAdmission();
        var resources = Enumerable.Range(1, 4).Select(i => SuperPod($"v{i}")).ToList();
        const int Racers = 6;
        var seen = new ConcurrentDictionary<ApiResource, ConcurrentBag<CustomResourceSchema>>(ReferenceEqualityComparer.Instance);
        using var start = new Barrier(Racers * resources.Count);
        var tasks = resources.SelectMany(resource => Enumerable.Range(0, Racers).Select(_ => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait(TimeSpan.FromSeconds(30));
            seen.GetOrAdd(resource, _ => []).Add(admission.Schema(resource));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))).ToList();
        await Task.WhenAll(tasks);

        foreach (var resource in resources)
        {
            seen[resource].Distinct().Should().ContainSingle($"{resource.Version} must be compiled once, not once per racing request");
        }
    }

    [Fact]
    public void A_changed_CRD_gets_a_fresh_schema()
    {
        var admission = new CustomResourceAdmission();
        var before = SuperPod("v1");
        var after = before with { Schema = SchemaFixtures.Parse("""{"type":"object","properties":{"spec":{"type":"object","properties":{"size":{"type":"integer","maximum":1}}}}}""") };

        var obj = JsonNode.Parse("""{"apiVersion":"supercloud.dev/v1","kind":"SuperPod","metadata":{"name":"a"},"spec":{"size":5}}""")!.AsObject();
        admission.Validate(after, obj, null).Should().ContainSingle(e => e.Field == "spec.size");
        admission.Schema(before).Should().NotBeSameAs(admission.Schema(after));
    }
}
