namespace SuperCloud.Lab.Spot;

/// <summary>
/// The lab's simulated EC2: per cloud its spot price history, the instances (the lab's hosts and those started through
/// RunInstances) and the interruption notices posted to hosts. Kept in <c>DIR/spot-market.json</c>, shared by the
/// <c>up</c> process that serves it and the <c>spot</c> command that changes it.
/// </summary>
public sealed class SpotMarketState
{
    /// <summary>The markets by cloud name (aws clouds only: the others have no EC2 API).</summary>
    public Dictionary<string, SpotMarketCloud> Clouds { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Every instance ever known, by instance id; terminated ones stay visible, as EC2 keeps them for a while.</summary>
    public Dictionary<string, SpotMarketInstance> Instances { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Interruption notices by host name.</summary>
    public Dictionary<string, SpotNotice> Notices { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The last instance sequence number handed out by RunInstances.</summary>
    public long InstanceSequence { get; set; }
}

/// <summary>One cloud's market: its region, the instance type its hosts are, and the price history of each zone.</summary>
public sealed class SpotMarketCloud
{
    /// <summary>The AWS region (<c>us-east-1</c>).</summary>
    public required string Region { get; init; }

    /// <summary>The EC2 endpoint of this cloud, once <c>up</c> serves it.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The instance types sold, with their on-demand price per hour in USD.</summary>
    public Dictionary<string, decimal> OnDemandUsd { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Spot prices in the order they were set; each holds from its time until the next one of its zone and type.</summary>
    public List<SpotPricePoint> Prices { get; init; } = [];

    /// <summary>The availability zones (<c>us-east-1a</c>, <c>us-east-1b</c>).</summary>
    public List<string> Zones { get; init; } = [];
}

/// <summary>A spot price that holds from <see cref="Time"/>.</summary>
/// <param name="Time">When it took effect (UTC).</param>
/// <param name="Zone">The availability zone.</param>
/// <param name="InstanceType">The instance type.</param>
/// <param name="Usd">USD per instance-hour.</param>
public sealed record SpotPricePoint(DateTime Time, string Zone, string InstanceType, decimal Usd);

/// <summary>An EC2 instance of the lab.</summary>
public sealed class SpotMarketInstance
{
    /// <summary><c>i-</c> and 17 hex digits.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The cloud it runs in.</summary>
    public required string Cloud { get; init; }

    /// <summary>The lab host it is, when it is one of the lab's hosts.</summary>
    public string? Host { get; init; }

    /// <summary>The instance type.</summary>
    public required string InstanceType { get; init; }

    /// <summary>The availability zone.</summary>
    public required string Zone { get; init; }

    /// <summary>True for a spot instance.</summary>
    public bool Spot { get; init; }

    /// <summary>pending, running, shutting-down, terminated (EC2's names).</summary>
    public required string State { get; set; }

    /// <summary>Why it changed state last (EC2's stateReason code), if it did.</summary>
    public string? StateReason { get; set; }

    /// <summary>When it was launched.</summary>
    public DateTime LaunchTime { get; init; }

    /// <summary>Its private address.</summary>
    public string? PrivateIp { get; init; }

    /// <summary>The AMI.</summary>
    public string? ImageId { get; init; }

    /// <summary>The subnet.</summary>
    public string? SubnetId { get; init; }

    /// <summary>The user data as given (base64).</summary>
    public string? UserData { get; init; }

    /// <summary>Tags.</summary>
    public Dictionary<string, string> Tags { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>A notice posted to a host's instance metadata.</summary>
public sealed class SpotNotice
{
    /// <summary><c>terminate</c> or <c>stop</c>; null for a rebalance recommendation alone.</summary>
    public string? Action { get; init; }

    /// <summary>When the instance is reclaimed.</summary>
    public DateTime? Time { get; init; }

    /// <summary>When a rebalance recommendation was posted, if one was.</summary>
    public DateTime? RebalanceTime { get; init; }

    /// <summary>Set once the host was torn down at <see cref="Time"/>.</summary>
    public DateTime? EnforcedTime { get; set; }
}
