using System.Net;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Lab.Hosts;
using SuperCloud.Lab.Spot;
using SuperCloud.Operator.Providers;
using SuperCloud.Operator.Providers.Aws;

namespace SuperCloud.Operator.Tests.Providers.Aws;

/// <summary>The real AWSSDK.EC2 client, through the provider, against the lab's EC2 Query API endpoint.</summary>
public sealed class Ec2HostPoolProviderTests : IAsyncLifetime
{
    private const string Cloud = "aws-us-east-1";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "sc-ec2-" + Guid.NewGuid().ToString("N")[..8]);
    private SpotLabServer _server = null!;
    private SpotMarketStore _store = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDir);
        _store = new SpotMarketStore(_dataDir, TimeProvider.System);
        var topology = LabTopology.Create("ec2tst", LabSubnet.Parse("10.77.0.0/16"), CloudSpec.ParseList($"{Cloud}:2"));
        await _store.UpdateAsync(_ => 0, CancellationToken.None, LabSpotMarket.Create(topology, DateTime.UtcNow));
        _server = await SpotLabServer.StartAsync(
            new SpotLabServerOptions
            {
                DataDir = _dataDir,
                Ec2Address = IPAddress.Loopback,
                Clouds = [Cloud],
                Ec2 = new Ec2ApiOptions { AccessKeyIds = [LabSpotMarket.AccessKeyId], MaxInstances = 200, PendingTime = TimeSpan.FromMilliseconds(300) },
            },
            TimeProvider.System,
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task Spot_prices_are_the_ones_in_effect_now_in_every_zone()
    {
        using var provider = Provider();
        await LabSpotMarket.SetPriceAsync(_store, Cloud, 0.031m, "m5.large", DateTime.UtcNow.AddSeconds(-1), CancellationToken.None);

        var prices = await provider.GetSpotPricesAsync(["m5.large", "c5.large"], CancellationToken.None);

        prices.Where(p => p.InstanceType == "m5.large").Select(p => (p.Zone, p.UsdPerHour))
            .Should().BeEquivalentTo([("us-east-1a", 0.031m), ("us-east-1b", 0.031m)]);
        prices.Where(p => p.InstanceType == "c5.large").Should().HaveCount(2).And.OnlyContain(p => p.UsdPerHour > 0 && p.UsdPerHour < 0.085m);
    }

    [Fact]
    public async Task Price_history_pages_through_NextToken_with_the_sdk()
    {
        var start = DateTime.UtcNow.AddMinutes(-30);
        for (var i = 0; i < 12; i++)
        {
            await LabSpotMarket.SetPriceAsync(_store, Cloud, 0.02m + (i / 1000m), "m5.large", start.AddMinutes(i), CancellationToken.None);
        }

        using var client = Client(maxErrorRetry: 2);
        var seen = new List<SpotPrice>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await client.DescribeSpotPriceHistoryAsync(new DescribeSpotPriceHistoryRequest
            {
                InstanceTypes = ["m5.large"],
                AvailabilityZone = "us-east-1a",
                StartTime = start,
                MaxResults = 5,
                NextToken = token,
            });
            pages++;
            seen.AddRange(page.SpotPriceHistory);
            token = page.NextToken;
        }
        while (!string.IsNullOrEmpty(token));

        // The 12 points in the window and the one in effect at its start (the seed's price of five minutes ago is later).
        seen.Should().HaveCount(14);
        pages.Should().Be(3);
        seen.Select(p => p.Timestamp).Should().BeInDescendingOrder();
        seen.Select(p => p.Price).Should().Contain("0.020000");
    }

    [Fact]
    public async Task Instances_of_the_pool_page_through_NextToken_and_include_what_RunInstances_started()
    {
        using var provider = Provider();
        var first = await provider.LaunchAsync(new LaunchRequest(60, CapacityType.OnDemand, "m5.large", "#!/bin/sh\nexec supercloud-node-agent\n"), CancellationToken.None);
        var second = await provider.LaunchAsync(new LaunchRequest(60, CapacityType.Spot, "c5.large", "#cloud-config\n"), CancellationToken.None);
        first.Should().HaveCount(60).And.OnlyContain(i => i.State == "pending" && !i.Spot && i.InstanceType == "m5.large");
        second.Should().OnlyContain(i => i.Spot);

        var before = _server.Ec2[Cloud].Calls.GetValueOrDefault("DescribeInstances");
        var all = await provider.DescribeAsync([], CancellationToken.None);

        // The lab's two hosts carry the cluster tag too.
        all.Should().HaveCount(122);
        all.Select(i => i.InstanceId).Should().OnlyHaveUniqueItems();
        (_server.Ec2[Cloud].Calls["DescribeInstances"] - before).Should().Be(2, "100 per page");
        var stored = _store.Read()!.Instances[first[0].InstanceId];
        Encoding.UTF8.GetString(Convert.FromBase64String(stored.UserData!)).Should().Be("#!/bin/sh\nexec supercloud-node-agent\n");
        stored.Tags.Should().Contain(Ec2HostPoolProvider.ClusterTag, Cloud);
    }

    [Fact]
    public async Task Terminated_instances_say_so_and_a_host_instance_is_torn_down()
    {
        using var provider = Provider();
        var launched = await provider.LaunchAsync(new LaunchRequest(1, CapacityType.Spot, "m5.large", "x"), CancellationToken.None);
        await provider.TerminateAsync([launched[0].InstanceId], CancellationToken.None);

        var described = await provider.DescribeAsync([launched[0].InstanceId], CancellationToken.None);
        described.Should().ContainSingle().Which.State.Should().Be("terminated");
        described[0].StateReason.Should().Be("Client.UserInitiatedShutdown");
    }

    [Fact]
    public async Task Cloud_errors_keep_their_ec2_codes()
    {
        using var provider = Provider();

        var missing = async () => await provider.TerminateAsync(["i-0123456789abcdef0"], CancellationToken.None);
        (await missing.Should().ThrowAsync<HostPoolProviderException>()).Which.Code.Should().Be("InvalidInstanceID.NotFound");

        var type = async () => await provider.LaunchAsync(new LaunchRequest(1, CapacityType.OnDemand, "x9.huge", "x"), CancellationToken.None);
        (await type.Should().ThrowAsync<HostPoolProviderException>()).Which.Code.Should().Be("InvalidParameterValue");

        var tooLow = async () => await provider.LaunchAsync(new LaunchRequest(1, CapacityType.Spot, "m5.large", "x", MaxSpotPriceUsd: 0.001m), CancellationToken.None);
        (await tooLow.Should().ThrowAsync<HostPoolProviderException>()).Which.Code.Should().Be("SpotMaxPriceTooLow");

        using var stranger = new Ec2HostPoolProvider(Client(maxErrorRetry: 0, keyId: "AKIANOTTHELABKEY0000"), Cloud, new AwsProviderSettings(), TimeProvider.System);
        var denied = async () => await stranger.GetSpotPricesAsync(["m5.large"], CancellationToken.None);
        (await denied.Should().ThrowAsync<HostPoolProviderException>()).Which.Code.Should().Be("AuthFailure");
    }

    [Fact]
    public async Task Throttling_is_retried_by_the_sdk_until_the_endpoint_answers()
    {
        using var provider = Provider(maxErrorRetry: 4);
        var api = _server.Ec2[Cloud];
        var before = api.Calls.GetValueOrDefault("DescribeSpotPriceHistory");
        api.ThrottleNext(2);

        var prices = await provider.GetSpotPricesAsync(["m5.large"], CancellationToken.None);

        prices.Should().HaveCount(2);
        (api.Calls["DescribeSpotPriceHistory"] - before).Should().Be(3, "two answers of RequestLimitExceeded, then the prices");
    }

    [Fact]
    public async Task Throttling_past_the_retries_fails_with_RequestLimitExceeded()
    {
        using var provider = Provider(maxErrorRetry: 1);
        _server.Ec2[Cloud].ThrottleNext(10);

        var call = async () => await provider.GetSpotPricesAsync(["m5.large"], CancellationToken.None);

        (await call.Should().ThrowAsync<HostPoolProviderException>()).Which.Code.Should().Be("RequestLimitExceeded");
    }

    private Ec2HostPoolProvider Provider(int maxErrorRetry = 3) =>
        new(Client(maxErrorRetry), Cloud, new AwsProviderSettings { ImageId = "ami-0123456789abcdef0", SubnetId = "subnet-0123456789abcdef0" }, TimeProvider.System);

    private AmazonEC2Client Client(int maxErrorRetry, string keyId = LabSpotMarket.AccessKeyId) => new(
        new BasicAWSCredentials(keyId, LabSpotMarket.SecretAccessKey),
        new AmazonEC2Config
        {
            ServiceURL = _server.Ec2Endpoints[Cloud].ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = maxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
        });
}
