namespace SuperCloud.Operator.Providers;

/// <summary>
/// A cloud's host pool behind one SuperCluster: what its instances cost now, and starting, stopping and listing the
/// instances that are its hosts (Karpenter's CloudProvider, narrowed to what SuperCloud needs).
/// </summary>
public interface IHostPoolProvider : IDisposable
{
    /// <summary>Where prices come from, for <c>status.prices.source</c> (<c>ec2:DescribeSpotPriceHistory</c>).</summary>
    string PriceSource { get; }

    /// <summary>The spot price in effect now of each of <paramref name="instanceTypes"/> in each zone the provider sells it in.</summary>
    Task<IReadOnlyList<InstancePrice>> GetSpotPricesAsync(IReadOnlyList<string> instanceTypes, CancellationToken cancellationToken);

    /// <summary>Starts instances that join the pool (their user data starts the node agent); returns them as the cloud accepted them.</summary>
    Task<IReadOnlyList<HostInstance>> LaunchAsync(LaunchRequest request, CancellationToken cancellationToken);

    /// <summary>Terminates the pool's instances <paramref name="instanceIds"/>.</summary>
    Task TerminateAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);

    /// <summary>The pool's instances (all of them when <paramref name="instanceIds"/> is empty), terminated ones included while the cloud lists them.</summary>
    Task<IReadOnlyList<HostInstance>> DescribeAsync(IReadOnlyList<string> instanceIds, CancellationToken cancellationToken);
}
