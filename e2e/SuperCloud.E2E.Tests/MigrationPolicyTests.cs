using System.Globalization;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// MigrationPolicies moving SuperPods on their own in the lab: at the billing boundary after a spot price change and
/// not before, off a host under an interruption notice before its deadline, within a cooldown and a daily budget, and
/// towards clients that moved to another continent. Each policy selects only this class's SuperPods by label.
/// Spot prices are set in the lab's simulated EC2 (<c>supercloud-lab spot --price</c>, per m5.large instance-hour) and
/// reach SuperCluster status.prices through the operator's price feed. Interruption notices (SuperNode
/// status.interruptionNotice) are written through the lab's API server, standing in for the agent's metadata poller:
/// <c>supercloud-lab spot --interrupt</c> would tear the shared lab's spot host down at its deadline, and SpotMarketTests
/// covers that path on a lab of its own.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class MigrationPolicyTests(LabFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan BillingPeriod = TimeSpan.FromSeconds(40);

    // USD per m5.large-hour: the lab's own spot price (30 % of on-demand), one far dearer and one far cheaper than it.
    private const string LabSpotPrice = "0.0288";
    private const string DearSpotPrice = "0.2";
    private const string CheapSpotPrice = "0.02";

    private LabRun Lab => fixture.Lab;

    [SkippableFact]
    public async Task A_cheaper_spot_price_moves_a_superpod_at_its_next_billing_boundary_and_not_before()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "thrifty", output);
        try
        {
            await SetBillingPeriodAsync("40s");
            var source = await StartLabelledAsync(pod, "price", "    clusters: [aws-us-east-1]\n");
            await ApplyPolicyAsync("e2e-price", "price", "    spotPrice:\n      minSavingPercent: 20\n", "cooldown: 1s");

            // Just after a boundary, eu-west-1's spot capacity becomes far cheaper than anything in us-east-1.
            var anchor = DateTime.Parse(Ready(await pod.PodAsync()), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            await Lab.UntilAsync(() => Task.FromResult(Phase(anchor, DateTime.UtcNow) is > 1 and < 8), "a billing period has just begun", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
            var changed = DateTime.UtcNow;
            var boundary = anchor + (BillingPeriod * Math.Ceiling((changed - anchor) / BillingPeriod));
            await SetSpotPriceAsync("aws-us-east-1", DearSpotPrice);
            await SetSpotPriceAsync("aws-eu-west-1", CheapSpotPrice);

            var migration = await UntilPolicyMigrationAsync("e2e-price", TimeSpan.FromSeconds(90));
            var created = Created(migration);
            output.WriteLine($"price changed {changed:O}, boundary {boundary:O}, migration created {created:O}");
            migration["spec"]!["reason"]!.GetValue<string>().Should().Be("SpotPrice");
            created.Should().BeOnOrAfter(boundary - (BillingPeriod / 2), "the move waits for the window that closes at the billing boundary");
            created.Should().BeBefore(boundary + TimeSpan.FromSeconds(10), "and is made in that window, not a period later");
            (await EventsAsync("thrifty")).Should().Contain(e => e.Contains($"billing boundary at {boundary:yyyy-MM-ddTHH:mm:ss}Z", StringComparison.Ordinal) && e.Contains("exceeds migration cost", StringComparison.Ordinal));

            var before = pod.Mark(source);
            var done = await pod.UntilFinishedAsync(migration["metadata"]!["name"]!.GetValue<string>(), TimeSpan.FromSeconds(180));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            await pod.AssertRunsIntactOnAsync("aws-eu-west-1-2", before);
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await DeletePolicyAsync("e2e-price");
            await pod.DeleteAsync();
            await SetSpotPriceAsync("aws-us-east-1", LabSpotPrice);
            await SetSpotPriceAsync("aws-eu-west-1", LabSpotPrice);
            await SetBillingPeriodAsync("1h");
        }
    }

    [SkippableFact]
    public async Task An_interruption_notice_moves_every_superpod_off_the_host_before_the_deadline_with_guests_going_on()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        const string Host = "aws-us-east-1-2";
        Roamer[] pods = [new(fixture, "evac-a", output), new(fixture, "evac-b", output)];
        try
        {
            var marks = new List<ConsoleMark>();
            foreach (var pod in pods)
            {
                (await StartLabelledAsync(pod, "interrupt", "    clusters: [aws-us-east-1]\n    spot: Required\n")).Should().Be(Host);
                marks.Add(pod.Mark(Host));
            }

            await ApplyPolicyAsync("e2e-interrupt", "interrupt", "    spotInterruption:\n      enabled: true\n", "cooldown: 1h");
            var deadline = DateTime.UtcNow.AddMinutes(2);
            await Lab.MustAsync("patch", "supernode", Host, "--subresource", "status", "--type", "merge", "-p",
                Json(new JsonObject { ["status"] = new JsonObject { ["interruptionNotice"] = new JsonObject { ["time"] = Stamp(deadline), ["reason"] = "terminate" } } }));

            foreach (var (pod, mark) in pods.Zip(marks))
            {
                await Lab.UntilAsync(async () => Roamer.Node(await pod.PodAsync()) is { } node && node != Host && Roamer.Phase(await pod.PodAsync()) == "Running",
                    $"{pod.Name} left {Host}", deadline - DateTime.UtcNow);
                DateTime.UtcNow.Should().BeBefore(deadline, $"{pod.Name} left before the host is reclaimed");
                await pod.AssertRunsIntactOnAsync(await pod.NodeAsync(), mark);
            }

            var node = await Lab.GetAsync("supernode", Host);
            node!["spec"]!["taints"]!.AsArray().Should().Contain(t => t!["key"]!.GetValue<string>() == "supercloud.dev/interruption", "no new SuperPod lands on a reclaimed host");
            var moves = await PolicyMigrationsAsync("e2e-interrupt");
            moves.Should().HaveCount(2).And.OnlyContain(m => m["spec"]!["reason"]!.GetValue<string>() == "SpotInterruption");
            (await EventsAsync("evac-a")).Should().Contain(e => e.Contains("is reclaimed at", StringComparison.Ordinal) && e.Contains("predicted", StringComparison.Ordinal));
        }
        catch (Exception e) when (Roamer.Fails(pods, e))
        {
            throw;
        }
        finally
        {
            await DeletePolicyAsync("e2e-interrupt");
            foreach (var pod in pods)
            {
                await pod.DeleteAsync();
            }

            await Lab.KubectlAsync("patch", "supernode", Host, "--subresource", "status", "--type", "merge", "-p", """{"status":{"interruptionNotice":null}}""");
            await Lab.KubectlAsync("patch", "supernode", Host, "--type", "merge", "-p", """{"spec":{"taints":null}}""");
        }
    }

    [SkippableFact]
    public async Task A_policys_cooldown_and_daily_budget_hold_however_often_prices_flip()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "bouncer", output);
        var cooldown = TimeSpan.FromSeconds(45);

        // The budget counts per UTC day: a run across midnight would rightly get a fresh one.
        await Lab.UntilAsync(() => Task.FromResult(DateTime.UtcNow.TimeOfDay is var t && t > TimeSpan.FromMinutes(1) && t < TimeSpan.FromHours(24) - TimeSpan.FromMinutes(8)),
            "the UTC day has more than 8 minutes left", TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5));
        try
        {
            await StartLabelledAsync(pod, "budget", "    clusters: [aws-us-east-1]\n");
            await SetSpotPriceAsync("aws-us-east-1", DearSpotPrice);
            await SetSpotPriceAsync("aws-eu-west-1", CheapSpotPrice);
            await ApplyPolicyAsync("e2e-budget", "budget", "    spotPrice:\n      minSavingPercent: 20\n      evaluateAt: PriceChange\n", "cooldown: 45s\n  dailyBudget: 2");

            var first = await UntilPolicyMigrationAsync("e2e-budget", TimeSpan.FromSeconds(60));
            (await pod.UntilFinishedAsync(Name(first), TimeSpan.FromSeconds(180))).Should().Match<JsonNode>(m => Roamer.Phase(m) == "Succeeded");

            // Back the other way at once: the cooldown holds the second move until it ends.
            await SetSpotPriceAsync("aws-eu-west-1", DearSpotPrice);
            await SetSpotPriceAsync("aws-us-east-1", CheapSpotPrice);
            var second = await UntilPolicyMigrationAsync("e2e-budget", TimeSpan.FromSeconds(120), count: 2);
            (Created(second) - Created(first)).Should().BeGreaterThanOrEqualTo(cooldown - TimeSpan.FromSeconds(1), "the cooldown separates two moves");
            (await pod.UntilFinishedAsync(Name(second), TimeSpan.FromSeconds(180))).Should().Match<JsonNode>(m => Roamer.Phase(m) == "Succeeded");

            // A third flip after the cooldown: the budget of two is spent, the policy says so and nothing moves.
            await SetSpotPriceAsync("aws-us-east-1", DearSpotPrice);
            await SetSpotPriceAsync("aws-eu-west-1", CheapSpotPrice);
            await Lab.UntilAsync(async () => Condition(await Lab.GetAsync("migrationpolicy", "e2e-budget"))?.Contains("daily budget of 2", StringComparison.Ordinal) == true,
                "the policy reports its spent budget", cooldown + TimeSpan.FromSeconds(60));
            (await PolicyMigrationsAsync("e2e-budget")).Should().HaveCount(2);
            var status = (await Lab.GetAsync("migrationpolicy", "e2e-budget"))!["status"]!;
            status["migrationsToday"]!.GetValue<int>().Should().Be(2);
            status["matchedSuperPods"]!.GetValue<int>().Should().Be(1);
            status["lastTriggerTime"].Should().NotBeNull();
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await DeletePolicyAsync("e2e-budget");
            await pod.DeleteAsync();
            await SetSpotPriceAsync("aws-us-east-1", LabSpotPrice);
            await SetSpotPriceAsync("aws-eu-west-1", LabSpotPrice);
        }
    }

    [SkippableFact]
    public async Task A_superpod_whose_clients_move_to_another_continent_follows_them()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "sunny", output);
        try
        {
            var source = await StartLabelledAsync(pod, "sun", "    clusters: [aws-us-east-1]\n");
            await Lab.MustAsync("patch", "superpod", "sunny", "-n", "default", "--type", "merge", "-p", """{"spec":{"clientLocations":[{"name":"nyc","region":"us-east-1","weight":10}]}}""");
            await ApplyPolicyAsync("e2e-sun", "sun", "    followTheSun:\n      useClientLocations: true\n      minGainPercent: 30\n", "cooldown: 1s");
            await Lab.UntilAsync(async () => (await Lab.GetAsync("migrationpolicy", "e2e-sun"))?["status"]?["matchedSuperPods"]?.GetValue<int>() == 1, "the policy governs the SuperPod");
            (await PolicyMigrationsAsync("e2e-sun")).Should().BeEmpty("its clients are where it runs");

            var before = pod.Mark(source);
            await Lab.MustAsync("patch", "superpod", "sunny", "-n", "default", "--type", "merge", "-p", """{"spec":{"clientLocations":[{"name":"dublin","region":"eu-west-1","weight":10}]}}""");
            var migration = await UntilPolicyMigrationAsync("e2e-sun", TimeSpan.FromSeconds(60));
            migration["spec"]!["reason"]!.GetValue<string>().Should().Be("FollowTheSun");
            var done = await pod.UntilFinishedAsync(Name(migration), TimeSpan.FromSeconds(180));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            var target = await pod.NodeAsync();
            Roamer.CloudOf(target).Should().Be("aws-eu-west-1");
            await pod.AssertRunsIntactOnAsync(target, before);
            (await EventsAsync("sunny")).Should().Contain(e => e.Contains("client-weighted RTT", StringComparison.Ordinal));
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            await DeletePolicyAsync("e2e-sun");
            await pod.DeleteAsync();
        }
    }

    // Starts the SuperPod pinned by placement, labels it for its policy, then lifts the pin so the policy may move it anywhere.
    private async Task<string> StartLabelledAsync(Roamer pod, string label, string placement)
    {
        var node = await pod.StartAsync(placement);
        await Lab.MustAsync("label", "superpod", pod.Name, "-n", "default", $"policy-e2e={label}");
        await pod.UnpinAsync();
        return node;
    }

    private Task ApplyPolicyAsync(string name, string label, string triggers, string pacing) => Lab.ApplyAsync($"""
        apiVersion: supercloud.dev/v1alpha1
        kind: MigrationPolicy
        metadata:
          name: {name}
        spec:
          selectors:
            superPodSelector:
              matchLabels:
                policy-e2e: {label}
          triggers:
        {triggers}  {pacing}
        """);

    private async Task DeletePolicyAsync(string name)
    {
        await Lab.KubectlAsync("delete", "migrationpolicy", name, "--ignore-not-found", "--wait=false");
        await Lab.KubectlAsync("delete", "superpodmigrations", "-n", "default", "-l", $"supercloud.dev/migration-policy={name}", "--ignore-not-found", "--wait=false");
    }

    // The operator's price feed reads it within its interval (3 s in the lab) and writes the SuperCluster's status.prices.
    private Task<CommandResult> SetSpotPriceAsync(string cloud, string usdPerInstanceHour) => Lab.LabAsync("spot", "--cloud", cloud, "--price", usdPerInstanceHour);

    private async Task SetBillingPeriodAsync(string period)
    {
        foreach (var cluster in new[] { "aws-us-east-1", "aws-eu-west-1", "onprem" })
        {
            await Lab.MustAsync("patch", "supercluster", cluster, "--type", "merge", "-p", Json(new JsonObject { ["spec"] = new JsonObject { ["pricing"] = new JsonObject { ["billingPeriod"] = period } } }));
        }
    }

    private async Task<List<JsonNode>> PolicyMigrationsAsync(string policy) =>
        [.. ((await Lab.GetAsync("superpodmigrations", "-n", "default", "-l", $"supercloud.dev/migration-policy={policy}"))?["items"]?.AsArray() ?? []).Select(m => m!)
            .OrderBy(Created)];

    private async Task<JsonNode> UntilPolicyMigrationAsync(string policy, TimeSpan timeout, int count = 1)
    {
        List<JsonNode> found = [];
        await Lab.UntilAsync(async () => (found = await PolicyMigrationsAsync(policy)).Count >= count, $"policy {policy} created migration #{count}", timeout, TimeSpan.FromMilliseconds(500));
        return found[count - 1];
    }

    private async Task<List<string>> EventsAsync(string pod) =>
        [.. ((await Lab.GetAsync("events", "-n", "default"))?["items"]?.AsArray() ?? [])
            .Where(e => e?["involvedObject"]?["name"]?.GetValue<string>() == pod)
            .Select(e => e?["message"]?.GetValue<string>() ?? "")];

    private static string Name(JsonNode migration) => migration["metadata"]!["name"]!.GetValue<string>();

    private static DateTime Created(JsonNode migration) =>
        DateTime.Parse(migration["metadata"]!["creationTimestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static string Ready(JsonNode? pod) =>
        pod!["status"]!["conditions"]!.AsArray().First(c => c!["type"]!.GetValue<string>() == "Ready")!["lastTransitionTime"]!.GetValue<string>();

    private static string? Condition(JsonNode? policy) =>
        policy?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c!["type"]!.GetValue<string>() == "Ready")?["message"]?.GetValue<string>();

    private static string Json(JsonObject patch) => patch.ToJsonString();

    private static string Stamp(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    // Seconds into the current billing period.
    private static double Phase(DateTime anchor, DateTime now) => (now - anchor).TotalSeconds % BillingPeriod.TotalSeconds;
}
