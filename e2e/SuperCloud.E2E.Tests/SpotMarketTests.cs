using System.Globalization;

namespace SuperCloud.E2E.Tests;

/// <summary>
/// The lab's simulated EC2 seen through SuperCloud: <c>supercloud-lab spot --price</c> reaches <c>kubectl get
/// supercluster</c> through the operator's price feed (DescribeSpotPriceHistory on the lab's endpoint), and
/// <c>--interrupt</c> reaches the spot host's agent through its instance metadata, which records InterruptionPending on
/// its SuperNode within seconds; at the deadline the host is torn down and its SuperNode goes NotReady.
/// </summary>
[Collection(SharedLab.Name)]
public sealed class SpotMarketTests(LabFixture fixture) : IDisposable
{
    private const string Cloud = "aws-us-east-1";
    private const string SpotHost = "aws-us-east-1-2";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "supercloud-e2e-" + Guid.NewGuid().ToString("N")[..12]);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_spot_price_reaches_the_supercluster_and_an_interruption_notice_reaches_the_node_before_the_host_goes()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await using var lab = await LabRun.StartAsync(_root, $"{Cloud}:2", TimeSpan.FromMinutes(3), "--lease-duration", "6s");

        // m5.large (2 vCPU, 8 GiB) at 0.045 USD/h, split in the proportion of the cluster's spec spot rates (0.0018 : 0.0145).
        await lab.LabAsync("spot", "--cloud", Cloud, "--price", "0.045");
        await lab.UntilAsync(
            async () => (await lab.GetAsync("supercluster", Cloud))?["status"]?["prices"]?["spot"]?["perVcpuHour"]?.GetValue<string>() == "0.015035",
            "status.prices of the SuperCluster shows the new spot price",
            TimeSpan.FromSeconds(30));
        var prices = (await lab.GetAsync("supercluster", Cloud))!["status"]!["prices"]!;
        prices["source"]!.GetValue<string>().Should().Be("ec2:DescribeSpotPriceHistory");
        prices["spot"]!["perGiBHour"]!.GetValue<string>().Should().Be("0.001866");

        var posted = await lab.LabAsync("spot", "--host", SpotHost, "--interrupt", "--notice", "30s");
        var deadline = DateTime.Parse(posted.Stdout.Trim().Split(' ')[^1], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
        await lab.UntilAsync(
            async () => (await lab.GetAsync("supernode", SpotHost))?["status"]?["conditions"]?.AsArray()
                .Any(c => c!["type"]!.GetValue<string>() == "InterruptionPending" && c["status"]!.GetValue<string>() == "True") == true,
            "InterruptionPending on the spot host's SuperNode",
            TimeSpan.FromSeconds(15));
        DateTime.UtcNow.Should().BeBefore(deadline, "the notice is recorded long before the host goes");
        var notice = (await lab.GetAsync("supernode", SpotHost))!["status"]!["interruptionNotice"]!;
        notice["reason"]!.GetValue<string>().Should().Be("terminate");
        DateTime.Parse(notice["time"]!.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal).Should().Be(deadline);
        (await lab.GetAsync("supernode", $"{Cloud}-1"))!["status"]!["conditions"]!.AsArray()
            .Should().NotContain(c => c!["type"]!.GetValue<string>() == "InterruptionPending", "the on-demand host got no notice");

        var agentPid = lab.State()["Processes"]![$"agent/{SpotHost}"]!["Pid"]!.GetValue<int>();
        ProcessState.IsRunning(agentPid).Should().BeTrue("the host runs until its deadline");
        await lab.UntilAsync(() => Task.FromResult(!ProcessState.IsRunning(agentPid)), "the spot host's agent is gone at the deadline", TimeSpan.FromSeconds(60));
        DateTime.UtcNow.Should().BeOnOrAfter(deadline.AddSeconds(-1), "the host is torn down at its deadline, not before");
        await lab.UntilAsync(
            async () => (await lab.GetAsync("supernode", SpotHost))?["status"]?["phase"]?.GetValue<string>() == "NotReady",
            "the torn-down host's SuperNode is NotReady",
            TimeSpan.FromSeconds(60));
    }
}
