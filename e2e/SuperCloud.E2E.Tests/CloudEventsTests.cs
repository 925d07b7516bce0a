using System.Diagnostics;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>The operator's CloudEvents of a live migration at an HTTP sink, and a migration while that sink hangs.</summary>
[Collection(UserFacingLabs.Name)]
public sealed class CloudEventsTests(UserFacingLab lab, ITestOutputHelper output)
{
    private static readonly string[] Required = ["ce-specversion", "ce-id", "ce-source", "ce-type", "ce-time", "ce-subject", "ce-superpod"];

    [SkippableFact]
    public async Task Sink_receives_a_migrations_events_in_order_with_the_required_attributes_and_a_hanging_sink_does_not_slow_the_next()
    {
        Skip.If(lab.SkipReason is not null, lab.SkipReason);
        var pod = new Roamer(lab.Fixture, "herald", output);
        try
        {
            await pod.StartAsync("    clusters: [aws-us-east-1]\n    spot: Forbidden\n");
            await pod.UnpinAsync();
            await lab.Lab.UntilAsync(
                () => Task.FromResult(lab.Sink.Received.Any(e => e.Type == "dev.supercloud.superpod.running" && e.Subject == "herald")),
                "the sink received herald's running event");

            var watch = Stopwatch.StartNew();
            await pod.MigrateAsync("herald-to-onprem", "  target:\n    cluster: onprem\n");
            var done = await pod.UntilFinishedAsync("herald-to-onprem", TimeSpan.FromSeconds(180));
            var withSink = watch.Elapsed;
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await lab.Lab.UntilAsync(
                () => Task.FromResult(Events("herald-to-onprem").Any(e => e.Type == "dev.supercloud.migration.succeeded")),
                "the sink received the migration's succeeded event");

            var events = Events("herald-to-onprem");
            output.WriteLine(string.Join('\n', events.Select(e => $"{e.Type} {e.Attributes["ce-id"]} {e.Body}")));
            events.First().Type.Should().Be("dev.supercloud.migration.started");
            events.Last().Type.Should().Be("dev.supercloud.migration.succeeded");
            events.Skip(1).SkipLast(1).Select(e => e.Type).Should().OnlyContain(t => t == "dev.supercloud.migration.progress").And.NotBeEmpty();
            var phases = events.Where(e => e.Type == "dev.supercloud.migration.progress").Select(e => JsonNode.Parse(e.Body)!["phase"]!.GetValue<string>()).Distinct().ToList();
            phases.Should().ContainInOrder("PreparingTarget", "Transferring", "Switching");
            foreach (var e in events)
            {
                e.Attributes.Keys.Should().Contain(Required, e.Type);
                e.Attributes["ce-specversion"].Should().Be("1.0");
                e.Attributes["ce-source"].Should().Be("/apis/supercloud.dev/v1alpha1/namespaces/default/superpodmigrations/herald-to-onprem");
                e.Attributes["ce-superpod"].Should().Be("default/herald");
                e.ContentType.Should().StartWith("application/json");
            }

            events.Select(e => e.Attributes["ce-id"]).Should().OnlyHaveUniqueItems();
            JsonNode.Parse(events.Last().Body)!["target"]!["node"]!.GetValue<string>().Should().Be("onprem-1");

            // The sink now accepts connections and never answers: the next migration must not wait for it.
            await lab.Sink.HangAsync();
            watch.Restart();
            await pod.MigrateAsync("herald-back", "  target:\n    cluster: aws-us-east-1\n");
            var back = await pod.UntilFinishedAsync("herald-back", TimeSpan.FromSeconds(180));
            var withHangingSink = watch.Elapsed;
            Roamer.Phase(back).Should().Be("Succeeded", back["status"]?.ToJsonString());
            output.WriteLine($"migration with the sink answering: {withSink.TotalSeconds:0.0} s; with the sink hanging: {withHangingSink.TotalSeconds:0.0} s");
            withHangingSink.Should().BeLessThan(withSink * 2 + TimeSpan.FromSeconds(10), "delivery runs beside reconciliation, never in it");

            // The hung deliveries fail at the sink's 2 s request timeout, which may come after the migration ended.
            await lab.Lab.UntilAsync(
                async () => (await lab.MetricsAsync()).Split('\n').Any(l => l.StartsWith("supercloud_cloudevents_delivery_failures_total", StringComparison.Ordinal) && !l.EndsWith(" 0", StringComparison.Ordinal)),
                "the operator counts the deliveries the hanging sink failed", TimeSpan.FromSeconds(30));
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await lab.Sink.ResumeAsync();
            await pod.DeleteAsync();
        }
    }

    private List<ReceivedEvent> Events(string migration) =>
        [.. lab.Sink.Received.Where(e => e.Attributes.GetValueOrDefault("ce-source", "").EndsWith("/superpodmigrations/" + migration, StringComparison.Ordinal))];
}
