using SuperCloud.Images;
using SuperCloud.NodeAgent.Hypervisor;

namespace SuperCloud.NodeAgent.Images;

/// <summary>
/// Removes images no VM on this host uses from the cache, every <see cref="ImageCacheOptions.CollectionInterval"/>: the
/// images in use are those the hypervisor driver's VMs name (their boot and disk images), whatever their state.
/// </summary>
/// <param name="cache">The host's image cache.</param>
/// <param name="driver">Knows the VMs.</param>
/// <param name="options">The interval.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">Logs failures.</param>
public sealed class ImageGarbageCollector(ImageCache cache, IHypervisorDriver driver, ImageCacheOptions options, TimeProvider time, ILogger<ImageGarbageCollector> logger)
    : BackgroundService
{
    /// <summary>Collects once; returns the bytes freed.</summary>
    public async Task<long> CollectAsync(CancellationToken cancellationToken)
    {
        var inUse = new HashSet<Digest>();
        foreach (var vm in await driver.ListAsync(cancellationToken))
        {
            try
            {
                var spec = await driver.GetSpecAsync(vm.Id, cancellationToken);
                inUse.UnionWith(spec.ImageSources.Select(i => i.Digest));
            }
            catch (VmNotFoundException)
            {
                // Deleted meanwhile.
            }
        }

        return await cache.CollectGarbageAsync(inUse, cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CollectAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HypervisorException)
            {
                logger.LogWarning(ex, "Image cache garbage collection failed");
            }

            await Task.Delay(options.CollectionInterval, time, stoppingToken);
        }
    }
}
