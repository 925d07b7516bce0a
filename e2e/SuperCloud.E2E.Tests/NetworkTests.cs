using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// The overlay as users see it on the lab: SuperPods with addresses on VXLAN networks that span the clouds, clients
/// in each cloud (<c>supercloud-lab client</c>) reaching them, a TCP stream that survives a cross-cloud live migration,
/// an ovs-vswitchd restart, isolation between networks, and refused addresses.
/// </summary>
[Collection(SharedLab.Name)]
public sealed partial class NetworkTests(LabFixture fixture, ITestOutputHelper output)
{
    private const string Eth0 = "[{name: eth0}]";

    private LabRun Lab => fixture.Lab;

    [SkippableFact]
    public async Task Superpods_in_different_clouds_reach_each_other_and_a_client_in_a_third_cloud_reaches_both()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        try
        {
            await Lab.ApplyAsync(LabFixture.SuperPod("net-east", "    clusters: [aws-us-east-1]\n", networks: Eth0));
            await Lab.ApplyAsync(LabFixture.SuperPod("net-onprem", "    clusters: [onprem]\n", networks: "[{name: eth0, ip: 10.200.2.50}]"));
            var east = await UntilReachableAsync("net-east");
            var onprem = await UntilReachableAsync("net-onprem");

            onprem.Should().Be("10.200.2.50", "the user's address");
            east.Should().StartWith("10.200.0.", "allocated from the pool of aws-us-east-1, where it is bound");
            var wide = (await Lab.MustAsync("get", "sp", "-n", "default", "-o", "wide")).Stdout;
            IpColumn(wide, "net-east").Should().Be(east);
            IpColumn(wide, "net-onprem").Should().Be(onprem);

            foreach (var (from, to, name) in new[] { (east, onprem, "net-onprem"), (onprem, east, "net-east") })
            {
                var ping = await Lab.ClientAsync("aws-eu-west-1", "curl", "-s", "-m", "20", $"http://{from}:8080/ping/{to}");
                ping.Stdout.Should().Contain("3 packets received", $"{from} pings {to} across clouds: {ping}");
                var fetch = await Lab.ClientAsync("aws-eu-west-1", "curl", "-s", "-m", "20", $"http://{from}:8080/fetch/{to}:8080");
                fetch.Stdout.Should().Contain($"\n{name}\nHEARTBEAT ", $"{from} reaches {to}'s port 8080: {fetch}");
            }

            foreach (var ip in new[] { east, onprem })
            {
                var ping = await Lab.ClientAsync("aws-eu-west-1", "ping", "-c", "3", "-W", "2", ip);
                ping.ExitCode.Should().Be(0, $"a client in the third cloud pings {ip}: {ping}");
            }
        }
        finally
        {
            await DeleteAsync("net-east", "net-onprem");
        }
    }

    [SkippableFact]
    public async Task A_tcp_stream_and_a_ping_go_on_while_the_superpod_live_migrates_across_clouds()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = new Roamer(fixture, "net-roamer", output);
        ChildProcess? stream = null;
        ChildProcess? ping = null;
        try
        {
            var source = await pod.StartAsync("    clusters: [aws-us-east-1]\n", networks: Eth0);
            var ip = await UntilReachableAsync("net-roamer");
            await pod.UnpinAsync();

            stream = Lab.StartClient("aws-eu-west-1", "socat", "-u", $"TCP:{ip}:7000", "STDOUT");
            ping = Lab.StartClient("aws-eu-west-1", "ping", "-D", "-i", "0.1", "-W", "1", ip);
            await Lab.UntilAsync(() => Task.FromResult(Beats(stream).Count >= 10 && Replies(ping).Count >= 10), "the stream and the ping run", TimeSpan.FromSeconds(60));

            await pod.MigrateAsync("net-roamer-move", "  target:\n    cluster: onprem\n");
            var done = await pod.UntilFinishedAsync("net-roamer-move", TimeSpan.FromSeconds(180));
            Roamer.Phase(done).Should().Be("Succeeded", done["status"]?.ToJsonString());
            var moved = Beats(stream).Count;
            await Lab.UntilAsync(() => Task.FromResult(Beats(stream).Count >= moved + 20), "the stream goes on after the move", TimeSpan.FromSeconds(60));

            var last = (await pod.PodAsync())!["status"]!["lastMigration"]!;
            var downtime = Roamer.ParseDuration(last["downtime"]!.GetValue<string>());
            var beats = Beats(stream);
            stream.HasExited.Should().BeFalse("the same connection still carries the stream");
            beats.Select(b => b.Counter).Should().BeInAscendingOrder("the guest's counter goes on across the move, without a reset");
            var gap = beats.Zip(beats.Skip(1), (a, b) => b.At - a.At).Max();
            var replies = Replies(ping);
            var lost = replies.Max() - replies.Min() + 1 - replies.Distinct().Count();
            var allowed = (int)(downtime / TimeSpan.FromMilliseconds(100)) + 1;
            output.WriteLine($"{source} -> {await pod.NodeAsync()}: VM downtime {downtime.TotalMilliseconds:0} ms; longest gap on the TCP stream {gap.TotalMilliseconds:0} ms " +
                $"(target < 500 ms); ping every 100 ms lost {lost} (at most downtime / interval + 1 = {allowed})");
            lost.Should().BeLessThanOrEqualTo(allowed, "the network is back no later than the VM");
            gap.Should().BeLessThan(downtime + TimeSpan.FromSeconds(1), "the stream stalls for the VM's pause, not for the network");

            // Network convergence minus VM resume <= 0: both agents acted before the target resumed the VM.
            var uid = pod.Uid;
            // The first of each: a switch-over the operator repeats (CompleteTarget) activates the network again, harmlessly.
            var resumed = LogTime(await pod.NodeAsync(), $"VM {uid} resumed after its incoming migration switched over");
            var activated = LogTime(await pod.NodeAsync(), $"VM {uid} network activated on this host");
            var forwarded = LogTime(source, $"VM {uid} network forwarded to");
            output.WriteLine($"target activated {(activated - resumed).TotalMilliseconds:0} ms and source forwarded {(forwarded - resumed).TotalMilliseconds:0} ms relative to the VM's resume");
            activated.Should().BeOnOrBefore(resumed);
            forwarded.Should().BeOnOrBefore(resumed);
        }
        catch (Exception e) when (Roamer.Fails([pod], e))
        {
            throw;
        }
        finally
        {
            output.WriteLine(stream?.Diagnostics() ?? "");
            stream?.Dispose();
            ping?.Dispose();
            await pod.DeleteAsync();
        }
    }

    [SkippableFact]
    public async Task After_ovs_vswitchd_is_killed_and_restarted_traffic_is_back_within_a_second()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        ChildProcess? ping = null;
        var killed = false;
        try
        {
            await Lab.ApplyAsync(LabFixture.SuperPod("net-switch", "    clusters: [onprem]\n", networks: Eth0));
            var ip = await UntilReachableAsync("net-switch");
            ping = Lab.StartClient("onprem", "ping", "-D", "-i", "0.05", "-W", "1", ip);
            await Lab.UntilAsync(() => Task.FromResult(Replies(ping).Count >= 10), "the ping runs", TimeSpan.FromSeconds(30));

            await Lab.LabAsync("ovs", "kill", "--host", "onprem-1");
            killed = true;
            var stalled = Replies(ping).Count;
            await Lab.LabAsync("ovs", "start", "--host", "onprem-1");
            killed = false;
            var restarted = DateTimeOffset.UtcNow;
            await Lab.UntilAsync(() => Task.FromResult(ReplyTimes(ping).Any(t => t > restarted)), "a ping reply after the restart", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20));

            var back = ReplyTimes(ping).First(t => t > restarted) - restarted;
            output.WriteLine($"ovs-vswitchd of onprem-1 restarted: traffic back after {back.TotalMilliseconds:0} ms ({Replies(ping).Count - stalled} replies since)");
            back.Should().BeLessThan(TimeSpan.FromSeconds(1));
        }
        finally
        {
            if (killed)
            {
                await Lab.LabAsync("ovs", "start", "--host", "onprem-1");
            }

            ping?.Dispose();
            await DeleteAsync("net-switch");
        }
    }

    [SkippableFact]
    public async Task Superpods_on_different_vnis_cannot_reach_each_other_nor_the_hosts()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        try
        {
            await Lab.ApplyAsync(LabFixture.SuperPod("net-red", "    clusters: [aws-eu-west-1]\n", networks: Eth0));
            await Lab.ApplyAsync(LabFixture.SuperPod("net-blue", "    clusters: [aws-eu-west-1]\n", networks: "[{name: eth0, overlay: isolated}]"));
            var red = await UntilReachableAsync("net-red");
            var blue = await UntilReachableAsync("net-blue");
            blue.Should().StartWith("10.201.", "the isolated network's pool");

            foreach (var (from, to) in new[] { (red, blue), (blue, red) })
            {
                var ping = await Lab.ClientAsync("aws-eu-west-1", "curl", "-s", "-m", "20", $"http://{from}:8080/ping/{to}");
                ping.Stdout.Should().Contain("0 packets received", $"VNI isolation: {from} must not reach {to}: {ping}");
                var fetch = await Lab.ClientAsync("aws-eu-west-1", "curl", "-s", "-m", "20", $"http://{from}:8080/fetch/{to}:8080");
                fetch.Stdout.Should().StartWith("fetch:", $"{from} must not reach {to}'s port 8080: {fetch}");
            }

            var host = LabHostIp(await NodeOfAsync("net-red"));
            var agent = await Lab.ClientAsync("aws-eu-west-1", "curl", "-s", "-m", "20", $"http://{red}:8080/fetch/{host}:7443");
            agent.Stdout.Should().StartWith("fetch:", $"a SuperPod must not reach its host's agent through the gateway: {agent}");
        }
        finally
        {
            await DeleteAsync("net-red", "net-blue");
        }
    }

    [SkippableFact]
    public async Task An_address_another_superpod_holds_is_refused_with_a_condition_naming_the_owner()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        try
        {
            await Lab.ApplyAsync(LabFixture.SuperPod("net-owner", "    clusters: [onprem]\n", networks: "[{name: eth0, ip: 10.200.2.60}]"));
            await Lab.UntilAsync(async () => (await Lab.GetAsync("superpod", "net-owner", "-n", "default"))?["status"]?["ip"]?.GetValue<string>() == "10.200.2.60",
                "net-owner has its address", TimeSpan.FromSeconds(60));

            await Lab.ApplyAsync(LabFixture.SuperPod("net-thief", "    clusters: [onprem]\n", networks: "[{name: eth0, ip: 10.200.2.60}]"));

            JsonNode? condition = null;
            await Lab.UntilAsync(
                async () => (condition = Condition(await Lab.GetAsync("superpod", "net-thief", "-n", "default"), "NetworkReady"))?["reason"]?.GetValue<string>() == "AddressConflict",
                "net-thief's NetworkReady says AddressConflict", TimeSpan.FromSeconds(60));
            condition!["status"]!.GetValue<string>().Should().Be("False");
            condition["message"]!.GetValue<string>().Should().Be("spec.networks[0].ip: 10.200.2.60 is already the address of SuperPod default/net-owner (interface eth0) on overlay network 'default'");
            var thief = await Lab.GetAsync("superpod", "net-thief", "-n", "default");
            Condition(thief, "Ready")!["reason"]!.GetValue<string>().Should().Be("AddressConflict");
            thief!["status"]?["ip"].Should().BeNull("the refused SuperPod holds no address");
            new Roamer(fixture, "net-thief").QemuProcesses().Should().BeEmpty("its VM is not created");
        }
        finally
        {
            await DeleteAsync("net-thief", "net-owner");
        }
    }

    [SkippableFact]
    public async Task Malformed_addresses_and_an_overlapping_range_are_refused_naming_the_field()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var badIp = await ApplyResultAsync(LabFixture.SuperPod("net-bad-ip", networks: "[{name: eth0, ip: 10.200.0.300}]"));
        badIp.ExitCode.Should().NotBe(0);
        badIp.Stderr.Should().Contain("spec.networks[0].ip");
        var badMac = await ApplyResultAsync(LabFixture.SuperPod("net-bad-mac", networks: "[{name: eth0, mac: \"01:00:5e:00:00:01\"}]"));
        badMac.ExitCode.Should().NotBe(0);
        badMac.Stderr.Should().Contain("spec.networks[0].mac");

        try
        {
            await Lab.ApplyAsync("""
                apiVersion: supercloud.dev/v1alpha1
                kind: SuperCluster
                metadata:
                  name: net-overlapping
                spec:
                  provider: gcp
                  region: europe-west1
                  overlay:
                    networks:
                    - {name: default, vni: 4096, cidr: 10.200.0.128/25}
                """);
            JsonNode? condition = null;
            await Lab.UntilAsync(
                async () => (condition = Condition(await Lab.GetAsync("supercluster", "net-overlapping"), "NetworkReady")) is not null,
                "the overlapping cluster's NetworkReady", TimeSpan.FromSeconds(30));
            condition!["status"]!.GetValue<string>().Should().Be("False");
            condition["message"]!.GetValue<string>().Should().Contain(
                "spec.overlay.networks[0].cidr: 10.200.0.128/25 overlaps 10.200.0.0/24, the pool of overlay network 'default' in SuperCluster aws-us-east-1");
            Condition(await Lab.GetAsync("supercluster", "aws-us-east-1"), "NetworkReady")!["status"]!.GetValue<string>().Should().Be("True", "the cluster that declared first keeps its pool");
        }
        finally
        {
            await Lab.KubectlAsync("delete", "supercluster", "net-overlapping", "--ignore-not-found");
        }
    }

    // Waits until the SuperPod runs with an address and its guest answers on port 8080 from a client; returns the address.
    private async Task<string> UntilReachableAsync(string name)
    {
        string? ip = null;
        await Lab.UntilAsync(
            async () =>
            {
                var pod = await Lab.GetAsync("superpod", name, "-n", "default");
                ip = pod?["status"]?["ip"]?.GetValue<string>();
                return Roamer.Phase(pod) == "Running" && Condition(pod, "NetworkReady")?["status"]?.GetValue<string>() == "True" && ip is not null;
            },
            $"SuperPod {name} runs with its address and a programmed network",
            TimeSpan.FromSeconds(120));
        var cloud = Roamer.CloudOf(await NodeOfAsync(name));
        await Lab.UntilAsync(
            async () => (await Lab.ClientAsync(cloud, "curl", "-s", "-m", "3", $"http://{ip}:8080/")).Stdout.StartsWith(name + "\n", StringComparison.Ordinal),
            $"a client of {cloud} gets {name}'s GET / at {ip}:8080",
            TimeSpan.FromSeconds(120),
            TimeSpan.FromSeconds(1));
        return ip!;
    }

    private async Task<string> NodeOfAsync(string name) =>
        Roamer.Node(await Lab.GetAsync("superpod", name, "-n", "default")) ?? throw new InvalidOperationException($"SuperPod {name} has no node");

    private async Task<CommandResult> ApplyResultAsync(string manifest)
    {
        var file = Path.Combine(Path.GetTempPath(), $"supercloud-e2e-net-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, manifest);
        try
        {
            return await Lab.KubectlAsync("apply", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task DeleteAsync(params string[] names)
    {
        foreach (var name in names)
        {
            await Lab.DeleteSuperPodAsync(name);
        }
    }

    // A lab host's underlay address: its agent endpoint in the lab's state.
    private string LabHostIp(string host) =>
        Lab.State()["Processes"]![$"agent/{host}"]!["Args"]!.AsArray().Select(a => a!.GetValue<string>())
            .First(a => a.StartsWith("--NodeAgent:ListenAddress=", StringComparison.Ordinal))["--NodeAgent:ListenAddress=".Length..];

    // The UTC timestamp of the first line of HOST's agent log that contains TEXT.
    private DateTimeOffset LogTime(string host, string text)
    {
        var line = File.ReadLines(Path.Combine(Lab.HostDirectory(host), "agent.log")).First(l => l.Contains(text, StringComparison.Ordinal));
        return DateTimeOffset.Parse(line[..line.IndexOf(' ', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
    }

    private static string IpColumn(string table, string name)
    {
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0];
        var row = lines.First(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        var start = header.IndexOf("IP", StringComparison.Ordinal);
        return row[start..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
    }

    private static List<(DateTimeOffset At, long Counter)> Beats(ChildProcess stream) =>
        [.. stream.Lines.Select(l => (l.At, Match: Heartbeat().Match(l.Line))).Where(l => l.Match.Success)
            .Select(l => (l.At, long.Parse(l.Match.Groups[1].Value, CultureInfo.InvariantCulture)))];

    private static List<int> Replies(ChildProcess ping) =>
        [.. ping.Lines.Select(l => PingReply().Match(l.Line)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))];

    private static List<DateTimeOffset> ReplyTimes(ChildProcess ping) =>
        [.. ping.Lines.Where(l => PingReply().IsMatch(l.Line)).Select(l => l.At)];

    private static JsonNode? Condition(JsonNode? obj, string type) =>
        obj?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => c?["type"]?.GetValue<string>() == type);

    [GeneratedRegex(@"^HEARTBEAT (\d+)$")]
    private static partial Regex Heartbeat();

    [GeneratedRegex(@"icmp_seq=(\d+) ")]
    private static partial Regex PingReply();
}
