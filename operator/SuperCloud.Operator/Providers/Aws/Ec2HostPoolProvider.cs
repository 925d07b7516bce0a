using System.Globalization;
using System.Text;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using SuperCloud.Crds.V1Alpha1;

namespace SuperCloud.Operator.Providers.Aws;

/// <summary>
/// The host pool of one SuperCluster in AWS EC2, through AWSSDK.EC2: DescribeSpotPriceHistory for prices, RunInstances
/// and TerminateInstances to grow and shrink the pool, DescribeInstances for its instances. The pool's instances carry
/// the tag <c>supercloud.dev/cluster=NAME</c>. Throttling and transient errors are retried by the SDK (standard mode).
/// </summary>
/// <param name="client">The EC2 client (endpoint, region and credentials already set).</param>
/// <param name="cluster">The SuperCluster's name.</param>
/// <param name="settings">Its AWS settings: image, subnet, instance types.</param>
/// <param name="time">The clock: price history is read from now.</param>
public sealed class Ec2HostPoolProvider(IAmazonEC2 client, string cluster, AwsProviderSettings settings, TimeProvider time) : IHostPoolProvider
{
    /// <summary>The tag that marks a pool's instances.</summary>
    public const string ClusterTag = "supercloud.dev/cluster";

    /// <summary>The product whose prices are read: the agent runs on Linux.</summary>
    public const string ProductDescription = "Linux/UNIX";

    private const int PageSize = 100;

    /// <inheritdoc/>
    public string PriceSource => "ec2:DescribeSpotPriceHistory";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<InstancePrice>> GetSpotPricesAsync(IReadOnlyList<string> instanceTypes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceTypes);
        var now = time.GetUtcNow().UtcDateTime;
        var latest = new Dictionary<(string Type, string Zone), InstancePrice>();
        string? token = null;
        do
        {
            // A start time of now returns the price in effect now in each zone, and any change since.
            var response = await CallAsync(
                "DescribeSpotPriceHistory",
                () => client.DescribeSpotPriceHistoryAsync(
                    new DescribeSpotPriceHistoryRequest
                    {
                        InstanceTypes = [.. instanceTypes],
                        ProductDescriptions = [ProductDescription],
                        StartTime = now,
                        MaxResults = PageSize,
                        NextToken = token,
                    },
                    cancellationToken));
            foreach (var price in response.SpotPriceHistory ?? [])
            {
                if (!decimal.TryParse(price.Price, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var usd))
                {
                    throw new HostPoolProviderException("InvalidResponse", $"DescribeSpotPriceHistory returned the price '{price.Price}' for {price.InstanceType?.Value} in {price.AvailabilityZone}, not a number");
                }

                var key = (price.InstanceType?.Value ?? "", price.AvailabilityZone ?? "");
                var since = price.Timestamp ?? now;
                if (!latest.TryGetValue(key, out var known) || known.Since < since)
                {
                    latest[key] = new InstancePrice(key.Item1, key.Item2, usd, since);
                }
            }

            token = response.NextToken;
        }
        while (!string.IsNullOrEmpty(token));

        return [.. latest.Values.OrderBy(p => p.InstanceType, StringComparer.Ordinal).ThenBy(p => p.Zone, StringComparer.Ordinal)];
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<HostInstance>> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(settings.ImageId))
        {
            throw new HostPoolProviderException("Configuration", $"SuperCluster {cluster}: spec.aws.imageId is required to start instances");
        }

        if (request.Count < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Count, "Count must be at least 1");
        }

        var run = new RunInstancesRequest
        {
            ImageId = settings.ImageId,
            InstanceType = InstanceType.FindValue(request.InstanceType),
            MinCount = request.Count,
            MaxCount = request.Count,
            SubnetId = settings.SubnetId,
            UserData = Convert.ToBase64String(Encoding.UTF8.GetBytes(request.UserData)),
            TagSpecifications =
            [
                new TagSpecification { ResourceType = ResourceType.Instance, Tags = [new Tag(ClusterTag, cluster)] },
            ],
        };
        if (request.CapacityType == CapacityType.Spot)
        {
            run.InstanceMarketOptions = new InstanceMarketOptionsRequest
            {
                MarketType = MarketType.Spot,
                SpotOptions = new SpotMarketOptions
                {
                    SpotInstanceType = SpotInstanceType.OneTime,
                    InstanceInterruptionBehavior = InstanceInterruptionBehavior.Terminate,
                    MaxPrice = request.MaxSpotPriceUsd?.ToString(CultureInfo.InvariantCulture),
                },
            };
        }

        var response = await CallAsync("RunInstances", () => client.RunInstancesAsync(run, cancellationToken));
        return [.. (response.Reservation?.Instances ?? []).Select(ToHost)];
    }

    /// <inheritdoc/>
    public async Task TerminateAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        if (instanceIds.Count == 0)
        {
            return;
        }

        // Only the pool's own instances: an id of another pool (or none) is refused before anything is terminated.
        var owned = await DescribeAsync(instanceIds, cancellationToken);
        var foreign = instanceIds.Where(id => owned.All(i => i.InstanceId != id)).ToList();
        if (foreign.Count > 0)
        {
            throw new HostPoolProviderException("NotInPool", $"SuperCluster {cluster}: instances {string.Join(", ", foreign)} are not tagged {ClusterTag}={cluster}; not terminating them");
        }

        await CallAsync("TerminateInstances", () => client.TerminateInstancesAsync(new TerminateInstancesRequest { InstanceIds = [.. instanceIds] }, cancellationToken));
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<HostInstance>> DescribeAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        var hosts = new List<HostInstance>();
        string? token = null;
        do
        {
            var request = new DescribeInstancesRequest
            {
                Filters = [new Filter("tag:" + ClusterTag, [cluster])],
                NextToken = token,
            };
            if (instanceIds.Count > 0)
            {
                request.InstanceIds = [.. instanceIds];
            }
            else
            {
                request.MaxResults = PageSize;
            }

            var response = await CallAsync("DescribeInstances", () => client.DescribeInstancesAsync(request, cancellationToken));
            hosts.AddRange((response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(ToHost));
            token = response.NextToken;
        }
        while (!string.IsNullOrEmpty(token));

        return hosts;
    }

    /// <inheritdoc/>
    public void Dispose() => client.Dispose();

    private static HostInstance ToHost(Instance instance) => new(
        instance.InstanceId,
        instance.InstanceType?.Value ?? "",
        instance.Placement?.AvailabilityZone ?? "",
        instance.InstanceLifecycle?.Value == "spot",
        instance.State?.Name?.Value ?? "unknown",
        instance.StateReason?.Code,
        instance.PrivateIpAddress,
        instance.LaunchTime);

    // The SDK has already retried what is worth retrying (throttling, 5xx, timeouts); what reaches here is the answer.
    private static async Task<T> CallAsync<T>(string operation, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonServiceException e) when (!string.IsNullOrEmpty(e.ErrorCode))
        {
            throw new HostPoolProviderException(e.ErrorCode, $"{operation}: {e.ErrorCode}: {e.Message}", e);
        }
        catch (AmazonClientException e)
        {
            throw new HostPoolProviderException("Unreachable", $"{operation}: {e.Message}", e);
        }
        catch (AmazonServiceException e)
        {
            throw new HostPoolProviderException("Unreachable", $"{operation}: HTTP {(int)e.StatusCode}: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new HostPoolProviderException("Unreachable", $"{operation}: {e.Message}", e);
        }
    }
}
