using Microsoft.Extensions.Logging.Abstractions;
using SuperCloud.Images;
using SuperCloud.Lab.Registry;

namespace SuperCloud.Bench;

/// <summary>A real docker-registry holding the test guest's images, for benchmarks whose agents boot from images.</summary>
internal sealed class BenchRegistry : IAsyncDisposable
{
    private BenchRegistry(RegistryServer server, ImageSource kernel, ImageSource disk)
    {
        Server = server;
        Kernel = kernel;
        Disk = disk;
    }

    public RegistryServer Server { get; }

    /// <summary>The kernel + initramfs image.</summary>
    public ImageSource Kernel { get; }

    /// <summary>The bootable disk image.</summary>
    public ImageSource Disk { get; }

    /// <summary>Settings that reach the registry.</summary>
    public RegistryOptions Options => new() { PlainHttp = [Server.Address] };

    public static async Task<BenchRegistry> StartAsync(CancellationToken ct)
    {
        var outDir = await GuestImages.BuildAsync(ct);
        var server = await RegistryServer.StartAsync(cancellationToken: ct);
        using var client = new RegistryClient(new RegistryOptions { PlainHttp = [server.Address] }, TimeProvider.System);
        var digests = await GuestImages.PublishAsync(client, server.Address, outDir, ct);
        return new BenchRegistry(server, new ImageSource($"{server.Address}/{GuestImages.Repository}", digests.Guest), new ImageSource($"{server.Address}/{GuestImages.DiskRepository}", digests.Disk));
    }

    /// <summary>An empty cache in <paramref name="directory"/> pulling from this registry.</summary>
    public ImageCache NewCache(string directory)
    {
        var options = new ImageCacheOptions { Directory = directory, Registry = Options };
        return new ImageCache(options, new RegistryClient(options.Registry, TimeProvider.System), TimeProvider.System, NullLogger<ImageCache>.Instance);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
