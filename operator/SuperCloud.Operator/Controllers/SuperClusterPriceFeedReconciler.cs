using System.Collections.Concurrent;
using System.Globalization;
using k8s.Models;
using SuperCloud.Crds.V1Alpha1;
using SuperCloud.Operator.Providers;
using SuperCloud.Operator.Runtime;

namespace SuperCloud.Operator.Controllers;

/// <summary>
/// The price feed: polls the provider of each SuperCluster the operator manages (aws with <c>spec.aws</c>) every
/// <see cref="HostPoolProviderOptions.Interval"/> and writes <c>status.prices.spot</c>, converted from the price of the
/// first of <c>spec.aws.instanceTypes</c> (m5.large when none) in <c>spec.zone</c>, else in its cheapest zone, by
/// <see cref="PriceRatesConversion"/>. EC2 publishes no on-demand prices, so <c>status.prices.onDemand</c> stays unset and
/// <c>spec.pricing.onDemand</c> applies. A failed read keeps the last prices, says why in <c>status.prices.message</c>,
/// and sets PricesCurrent False.
/// </summary>
public sealed partial class SuperClusterPriceFeedReconciler(
    Informer<SuperCluster> clusters, HostPoolProviders providers, HostPoolProviderOptions options, StatusWriter<SuperCluster> statusWriter,
    TimeProvider timeProvider, ILogger<SuperClusterPriceFeedReconciler> logger) : IReconciler
{
    /// <summary>The instance type whose price is read when <c>spec.aws.instanceTypes</c> is empty.</summary>
    public const string DefaultInstanceType = "m5.large";

    /// <summary>PricesCurrent reason after a successful read.</summary>
    public const string PricesObservedReason = "PricesObserved";

    /// <summary>PricesCurrent reason after a failed read.</summary>
    public const string ProviderErrorReason = "ProviderError";

    // The last read of each cluster: status writes (ours and others') wake the controller, and must not cause a read.
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastRead = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var cluster = clusters.Cache.Get(key);
        if (cluster is null || !HostPoolProviders.Manages(cluster))
        {
            _lastRead.TryRemove(key.Name, out _);
            providers.Forget(key.Name);
            return ReconcileResult.Done;
        }

        var now = timeProvider.GetUtcNow();
        if (_lastRead.TryGetValue(key.Name, out var last) && now - last < options.Interval)
        {
            return ReconcileResult.After(options.Interval - (now - last));
        }

        _lastRead[key.Name] = now;
        var types = cluster.Spec.Aws?.InstanceTypes is { Count: > 0 } listed ? listed : [DefaultInstanceType];
        var type = types[0];
        var observed = now.UtcDateTime;
        observed = new DateTime(observed.Ticks - (observed.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        try
        {
            var shape = InstanceTypeCatalog.Lookup(type)
                ?? throw new HostPoolProviderException("Configuration", $"spec.aws.instanceTypes[0]: '{type}' is not an instance type SuperCloud knows the vCPUs and memory of");
            var provider = await providers.ForClusterAsync(cluster, cancellationToken);
            var prices = await provider.GetSpotPricesAsync([type], cancellationToken);
            var zone = cluster.Spec.Zone;
            var chosen = prices.Where(p => p.InstanceType == type && (zone is null || p.Zone == zone)).MinBy(p => p.UsdPerHour)
                ?? throw new HostPoolProviderException("NoPrice", $"{provider.PriceSource} returned no spot price of {type}{(zone is null ? "" : " in " + zone)}");
            var rates = PriceRatesConversion.ToRates(chosen.UsdPerHour, shape.Vcpus, shape.MemoryGiB, cluster.Spec.Pricing?.Spot ?? cluster.Spec.Pricing?.OnDemand);
            var message = string.Create(
                CultureInfo.InvariantCulture,
                $"{type} in {chosen.Zone}: {chosen.UsdPerHour} USD/h since {chosen.Since:yyyy-MM-ddTHH:mm:ssZ} ({shape.Vcpus} vCPU, {shape.MemoryGiB} GiB)");
            await statusWriter.UpdateAsync(
                key,
                c =>
                {
                    var status = c.Status ??= new SuperClusterStatus();
                    status.Prices = new ObservedPrices { Spot = rates, ObservedTime = observed, Source = provider.PriceSource };
                    status.Conditions ??= [];
                    Conditions.Set(status.Conditions, Condition("True", PricesObservedReason, message), timeProvider);
                    return true;
                },
                cancellationToken);
            // Every poll refreshes observedTime; only a change of price is worth a log line.
            if (cluster.Status?.Prices?.Spot is not { } before || before.PerVcpuHour != rates.PerVcpuHour || before.PerGiBHour != rates.PerGiBHour)
            {
                LogPrices(logger, key.Name, type, chosen.Zone, chosen.UsdPerHour, rates.PerVcpuHour, rates.PerGiBHour);
            }
        }
        catch (HostPoolProviderException e)
        {
            LogFailed(logger, key.Name, e.Code, e.Message);
            var reason = $"the price read at {observed:yyyy-MM-ddTHH:mm:ssZ} failed: {e.Message}";
            await statusWriter.UpdateAsync(
                key,
                c =>
                {
                    var status = c.Status ??= new SuperClusterStatus();
                    status.Prices ??= new ObservedPrices();
                    var kept = status.Prices.ObservedTime is { } at
                        ? string.Create(CultureInfo.InvariantCulture, $"; keeping the prices observed at {at:yyyy-MM-ddTHH:mm:ssZ}")
                        : "; no prices observed yet";
                    status.Prices.Message = Truncate(reason + kept, 1024);
                    status.Conditions ??= [];
                    Conditions.Set(status.Conditions, Condition("False", ProviderErrorReason, Truncate(reason, 1024)), timeProvider);
                    return true;
                },
                cancellationToken);
        }

        return ReconcileResult.After(options.Interval);
    }

    private static V1Condition Condition(string status, string reason, string message) => new()
    {
        Type = ConditionTypes.PricesCurrent,
        Status = status,
        Reason = reason,
        Message = message,
    };

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    [LoggerMessage(Level = LogLevel.Information, Message = "SuperCluster {Cluster}: spot price of {InstanceType} in {Zone} is {Usd} USD/h: {PerVcpu} per vCPU-hour, {PerGiB} per GiB-hour")]
    private static partial void LogPrices(ILogger logger, string cluster, string instanceType, string zone, decimal usd, string perVcpu, string perGiB);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SuperCluster {Cluster}: reading prices failed ({Code}): {Reason}; the last prices are kept")]
    private static partial void LogFailed(ILogger logger, string cluster, string code, string reason);
}
