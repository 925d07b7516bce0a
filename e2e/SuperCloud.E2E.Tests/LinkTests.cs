using System.Diagnostics;

namespace SuperCloud.E2E.Tests;

/// <summary>The WAN between the lab's clouds: <c>supercloud-lab link</c> caps the bandwidth into a cloud and cuts or restores the link between two clouds.</summary>
[Collection(SharedLab.Name)]
public sealed class LinkTests(LabFixture fixture)
{
    private const int Port = 19000;
    private const int Bytes = 4_000_000;

    [SkippableFact]
    public async Task Rate_caps_traffic_into_a_cloud_and_a_cut_separates_two_clouds_while_the_management_path_stays()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var lab = fixture.Lab;
        var id = lab.State()["Id"]!.GetValue<string>();
        var sender = $"sc{id}-aws-us-east-1-1";
        // The host's own WAN address (where its agent listens), not the overlay's VXLAN endpoint on its Open vSwitch bridge.
        var agentEndpoint = (await lab.GetAsync("supernode", "onprem-1"))!["spec"]!["agentEndpoint"]!.GetValue<string>();
        var receiverIp = agentEndpoint[..agentEndpoint.LastIndexOf(':')];
        using var receiver = ChildProcess.Start(
            "receiver on onprem-1", "ip", ["netns", "exec", $"sc{id}-onprem-1", "socat", "-u", $"TCP-LISTEN:{Port},reuseaddr,fork", "GOPEN:/dev/null"]);
        try
        {
            await lab.UntilAsync(async () => (await SendAsync(sender, receiverIp, 1)).ExitCode == 0, "the receiver on onprem-1 accepts connections");
            var unshaped = await TimedSendAsync(sender, receiverIp);

            // 16 Mbit/s is 2 MB/s: 4 MB take about 2 s.
            await lab.LabAsync("link", "--cloud", "onprem", "--rate", "16mbit");
            var shaped = await TimedSendAsync(sender, receiverIp);
            shaped.Should().BeGreaterThan(TimeSpan.FromSeconds(1.5), "4 MB into a cloud capped at 16mbit take about 2 s");
            shaped.Should().BeLessThan(TimeSpan.FromSeconds(8));

            await lab.LabAsync("link", "--cloud", "onprem", "--clear");
            var cleared = await TimedSendAsync(sender, receiverIp);
            cleared.Should().BeLessThan(shaped / 2, $"without the cap the transfer is fast again (unshaped {unshaped.TotalSeconds:F2} s)");

            await lab.LabAsync("link", "--cut", "aws-us-east-1,onprem");
            var cut = await SendAsync(sender, receiverIp, Bytes);
            cut.ExitCode.Should().NotBe(0, "no traffic passes between cut clouds");
            // The API server address the agents use: the management path, from a host's kubeconfig.
            var management = new Uri(File.ReadAllLines(Path.Combine(lab.DataDir, "hosts", "aws-us-east-1-1", "kubeconfig")).Single(l => l.Contains("server:", StringComparison.Ordinal)).Split("server:")[1].Trim());
            var toApi = await Commands.RunAsync("ip", ["netns", "exec", sender, "socat", "-u", "/dev/null", $"TCP:{management.Host}:{management.Port},connect-timeout=3"]);
            toApi.ExitCode.Should().Be(0, $"the management path to the API server stays: {toApi}");

            await lab.LabAsync("link", "--restore", "aws-us-east-1,onprem");
            (await SendAsync(sender, receiverIp, Bytes)).ExitCode.Should().Be(0, "the restored link carries traffic again");
        }
        finally
        {
            await Commands.RunAsync(RepoPaths.LabCli, ["link", "--data-dir", lab.DataDir, "--cloud", "onprem", "--clear"]);
            await Commands.RunAsync(RepoPaths.LabCli, ["link", "--data-dir", lab.DataDir, "--restore", "aws-us-east-1,onprem"]);
        }
    }

    private static Task<CommandResult> SendAsync(string netns, string ip, int bytes) =>
        Commands.RunAsync("ip", ["netns", "exec", netns, "sh", "-c", $"head -c {bytes} /dev/zero | socat -u - TCP:{ip}:{Port},connect-timeout=3"]);

    private static async Task<TimeSpan> TimedSendAsync(string netns, string ip)
    {
        var watch = Stopwatch.StartNew();
        var sent = await SendAsync(netns, ip, Bytes);
        sent.ExitCode.Should().Be(0, sent.ToString());
        return watch.Elapsed;
    }
}
